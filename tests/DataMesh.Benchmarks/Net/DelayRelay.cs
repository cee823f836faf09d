using System.Net;
using System.Net.Sockets;

namespace DataMesh.Benchmarks.Net;

/// <summary>
/// A TCP relay that stands for a storage node's WAN link: it listens on loopback, connects every accepted socket to
/// the target, and carries bytes each way through a <see cref="LinkDirection"/> (rate and delay shared by all the
/// relay's connections). Peers dial the relay's address instead of the node's, so every byte pays the link.
/// </summary>
/// <remarks>Per connection and direction, a reader takes up to <see cref="ChunkBytes"/> from the sender whenever the
/// link's queue has room, stamps the chunk with its arrival time and puts it in a bounded delay line; a writer
/// releases each chunk to the receiver when its time has come. Memory per connection is bounded by the delay line
/// (<see cref="DelayLineChunks"/> pooled chunks per direction).</remarks>
public sealed class DelayRelay : IAsyncDisposable
{
    internal const int ChunkBytes = 16 * 1024;
    internal const int DelayLineChunks = 64;

    private readonly Socket _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _gate = new();
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;
    private int _accepted;

    private DelayRelay(IPEndPoint target, LinkShape shape)
    {
        _target = target;
        Shape = shape;
        ToTarget = new LinkDirection(shape);
        FromTarget = new LinkDirection(shape);
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(128);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    public LinkShape Shape { get; }

    /// <summary>Where to dial instead of the target.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The direction towards the target (uploads to a storage node).</summary>
    internal LinkDirection ToTarget { get; }

    /// <summary>The direction from the target (downloads from a storage node).</summary>
    internal LinkDirection FromTarget { get; }

    public long BytesToTarget => ToTarget.Bytes;

    public long BytesFromTarget => FromTarget.Bytes;

    public int ConnectionsAccepted => Volatile.Read(ref _accepted);

    public static DelayRelay Start(IPEndPoint target, LinkShape shape)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(shape);
        return new DelayRelay(target, shape);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_shutdown.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _listener.AcceptAsync(_shutdown.Token).ConfigureAwait(false);
            }
            catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref _accepted);
            lock (_gate)
            {
                _connections.RemoveAll(static t => t.IsCompleted);
                _connections.Add(RelayConnectionAsync(accepted));
            }
        }
    }

    // Never throws: a failed side ends both (as a broken link would), the other side sees the connection drop.
    private async Task RelayConnectionAsync(Socket client)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using (client)
        using (var connection = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token))
        {
            client.NoDelay = true;
            server.NoDelay = true;
            try
            {
                await server.ConnectAsync(_target, connection.Token).ConfigureAwait(false);
            }
            catch (Exception error) when (error is SocketException or OperationCanceledException)
            {
                // The target is down: the dialer sees its connection close, as with a refused dial.
                return;
            }
            Task up = new LinkPump(client, server, ToTarget, connection).RunAsync();
            Task down = new LinkPump(server, client, FromTarget, connection).RunAsync();
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_shutdown.IsCancellationRequested)
        {
            return;
        }
        await _shutdown.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        Task[] running;
        lock (_gate)
        {
            running = [.. _connections];
        }
        await Task.WhenAll(running).ConfigureAwait(false);
        _shutdown.Dispose();
    }
}
