using System.IO.Pipelines;
using System.Threading.Channels;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Transports;

namespace DataMesh.Benchmarks.Kad;

/// <summary>Wraps a transport so every byte a connection receives is delivered <c>latency</c> after it arrived:
/// a one-way delay per direction (both ends wrap their side), with bandwidth left to the inner transport.</summary>
internal sealed class LatencyTransport(ITransport inner, TimeSpan latency) : ITransport
{
    public bool CanDial(Multiaddr address) => inner.CanDial(address);

    public bool CanListen(Multiaddr address) => inner.CanListen(address);

    public async ValueTask<IConnectionListener> ListenAsync(Multiaddr address, CancellationToken cancellationToken) =>
        new Listener(await inner.ListenAsync(address, cancellationToken), latency);

    public async ValueTask<IRawConnection> DialAsync(Multiaddr address, CancellationToken cancellationToken) =>
        Wrap(await inner.DialAsync(address, cancellationToken), latency);

    private static IRawConnection Wrap(IRawConnection connection, TimeSpan latency) =>
        latency <= TimeSpan.Zero ? connection : new DelayedConnection(connection, latency);

    private sealed class Listener(IConnectionListener inner, TimeSpan latency) : IConnectionListener
    {
        public Multiaddr ListenAddress => inner.ListenAddress;

        public async ValueTask<IRawConnection> AcceptAsync(CancellationToken cancellationToken) =>
            Wrap(await inner.AcceptAsync(cancellationToken), latency);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class DelayedConnection : IRawConnection
    {
        private readonly IRawConnection _inner;
        private readonly TimeSpan _latency;
        private readonly Pipe _delayed = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        private readonly Channel<(long Due, byte[] Data)> _inFlight = Channel.CreateUnbounded<(long, byte[])>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        private readonly CancellationTokenSource _closing = new();
        private readonly Task _receive;
        private readonly Task _deliver;

        public DelayedConnection(IRawConnection inner, TimeSpan latency)
        {
            _inner = inner;
            _latency = latency;
            _receive = ReceiveAsync();
            _deliver = DeliverAsync();
        }

        public Multiaddr LocalAddress => _inner.LocalAddress;

        public Multiaddr RemoteAddress => _inner.RemoteAddress;

        public PipeReader Input => _delayed.Reader;

        public PipeWriter Output => _inner.Output;

        private async Task ReceiveAsync()
        {
            try
            {
                while (true)
                {
                    ReadResult result = await _inner.Input.ReadAsync(_closing.Token);
                    if (!result.Buffer.IsEmpty)
                    {
                        _inFlight.Writer.TryWrite((Environment.TickCount64 + (long)_latency.TotalMilliseconds, System.Buffers.BuffersExtensions.ToArray(result.Buffer)));
                    }
                    _inner.Input.AdvanceTo(result.Buffer.End);
                    if (result.IsCompleted)
                    {
                        break;
                    }
                }
                _inFlight.Writer.TryComplete();
            }
            catch (Exception error)
            {
                _inFlight.Writer.TryComplete(error);
            }
        }

        private async Task DeliverAsync()
        {
            try
            {
                await foreach ((long due, byte[] data) in _inFlight.Reader.ReadAllAsync(_closing.Token))
                {
                    long wait = due - Environment.TickCount64;
                    if (wait > 0)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(wait), _closing.Token);
                    }
                    await _delayed.Writer.WriteAsync(data, _closing.Token);
                }
                await _delayed.Writer.CompleteAsync();
            }
            catch (Exception error)
            {
                await _delayed.Writer.CompleteAsync(error);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _closing.CancelAsync();
            await _inner.DisposeAsync();
            await Task.WhenAll(_receive, _deliver).ContinueWith(static _ => { }, TaskScheduler.Default);
            _closing.Dispose();
        }
    }
}
