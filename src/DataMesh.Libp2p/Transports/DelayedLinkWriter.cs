using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;

namespace DataMesh.Libp2p.Transports;

/// <summary>
/// The sending end of a simulated link: each flush is stamped with the time it reaches the far end (latency, plus
/// transmission time at the link rate behind earlier data) and a delivery loop writes it into the destination
/// pipe at that time, driven by the network's <see cref="TimeProvider"/>. At most
/// <see cref="InMemoryLinkOptions.BufferSize"/> bytes are in flight; beyond that FlushAsync waits.
/// </summary>
/// <remarks>Disposal is abortive: data still in flight is dropped and the far end sees the end of the stream.</remarks>
internal sealed class DelayedLinkWriter : PipeWriter, IAsyncDisposable
{
    private readonly PipeWriter _destination;
    private readonly InMemoryLinkOptions _link;
    private readonly TimeProvider _timeProvider;
    private readonly Channel<Chunk> _queue = Channel.CreateUnbounded<Chunk>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _abort = new();
    private readonly Lock _gate = new();
    private readonly Task _delivery;
    private byte[] _buffer = [];
    private int _written;
    private long _inFlight;
    private bool _deliveryEnded;
    private bool _completed;
    private TaskCompletionSource? _spaceWaiter;
    private DateTimeOffset _linkFreeAt;
    private DateTimeOffset _lastDeliverAt;

    public DelayedLinkWriter(PipeWriter destination, InMemoryLinkOptions link, TimeProvider timeProvider)
    {
        _destination = destination;
        _link = link;
        _timeProvider = timeProvider;
        _delivery = Task.Run(DeliverAsync);
    }

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _written;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureCapacity(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureCapacity(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public override void Advance(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, _buffer.Length - _written);
        _written += bytes;
    }

    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        EnqueueUnflushed();
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_deliveryEnded)
                {
                    return new FlushResult(isCanceled: false, isCompleted: true);
                }

                if (_inFlight <= _link.BufferSize)
                {
                    return new FlushResult(isCanceled: false, isCompleted: false);
                }

                _spaceWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _spaceWaiter.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override void CancelPendingFlush()
    {
        // Flushes wait only for link space; cancellation is through the token.
    }

    public override void Complete(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }

        EnqueueUnflushed();
        ReturnBuffer(_buffer);
        _buffer = [];
        _completed = true;
        _queue.Writer.TryWrite(new Chunk(null, 0, Later(_timeProvider.GetUtcNow() + _link.Latency), exception));
        _queue.Writer.TryComplete();
    }

    public async ValueTask DisposeAsync()
    {
        Complete();
        await _abort.CancelAsync().ConfigureAwait(false);
        await _delivery.ConfigureAwait(false);
        _abort.Dispose();
    }

    private void EnsureCapacity(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        int needed = _written + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length)
        {
            return;
        }

        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(4096, _buffer.Length * 2)));
        _buffer.AsSpan(0, _written).CopyTo(larger);
        ReturnBuffer(_buffer);
        _buffer = larger;
    }

    /// <summary>Hands the written bytes to the delivery loop, stamped with their arrival time at the far end.</summary>
    private void EnqueueUnflushed()
    {
        if (_written == 0)
        {
            return;
        }

        DateTimeOffset now = _timeProvider.GetUtcNow();
        DateTimeOffset sent = now;
        if (_link.BytesPerSecond is { } rate)
        {
            DateTimeOffset start = now > _linkFreeAt ? now : _linkFreeAt;
            _linkFreeAt = start + TimeSpan.FromSeconds((double)_written / rate);
            sent = _linkFreeAt;
        }

        lock (_gate)
        {
            _inFlight += _written;
        }

        _queue.Writer.TryWrite(new Chunk(_buffer, _written, Later(sent + _link.Latency), null));
        _buffer = [];
        _written = 0;
    }

    /// <summary>Delivery times never go backwards, so bytes arrive in order.</summary>
    private DateTimeOffset Later(DateTimeOffset deliverAt)
    {
        if (deliverAt < _lastDeliverAt)
        {
            deliverAt = _lastDeliverAt;
        }

        _lastDeliverAt = deliverAt;
        return deliverAt;
    }

    private async Task DeliverAsync()
    {
        CancellationToken cancellationToken = _abort.Token;
        Exception? endError = null;
        try
        {
            while (await _queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_queue.Reader.TryRead(out Chunk chunk))
                {
                    TimeSpan wait = chunk.DeliverAt - _timeProvider.GetUtcNow();
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, _timeProvider, cancellationToken).ConfigureAwait(false);
                    }

                    if (chunk.Array is null)
                    {
                        endError = chunk.Error;
                        return;
                    }

                    FlushResult result = await _destination.WriteAsync(chunk.Array.AsMemory(0, chunk.Length), cancellationToken).ConfigureAwait(false);
                    ReturnBuffer(chunk.Array);
                    ReleaseSpace(chunk.Length);
                    if (result.IsCompleted)
                    {
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await _destination.CompleteAsync(endError).ConfigureAwait(false);
            lock (_gate)
            {
                _deliveryEnded = true;
                _spaceWaiter?.TrySetResult();
                _spaceWaiter = null;
            }

            while (_queue.Reader.TryRead(out Chunk dropped))
            {
                ReturnBuffer(dropped.Array);
            }
        }
    }

    private void ReleaseSpace(int bytes)
    {
        lock (_gate)
        {
            _inFlight -= bytes;
            if (_inFlight <= _link.BufferSize)
            {
                _spaceWaiter?.TrySetResult();
                _spaceWaiter = null;
            }
        }
    }

    private static void ReturnBuffer(byte[]? array)
    {
        if (array is { Length: > 0 })
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    /// <summary>Flushed bytes (or, with a null array, the end of the stream) and when they reach the far end.</summary>
    private readonly record struct Chunk(byte[]? Array, int Length, DateTimeOffset DeliverAt, Exception? Error);
}
