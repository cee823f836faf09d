using System.IO.Pipelines;
using System.Net.Sockets;

namespace DataMesh.Libp2p.Transports;

/// <summary>
/// A socket's pipe writer whose completion half-closes the socket (TCP FIN), so the peer's input ends while
/// this side can still read — the contract of <see cref="IRawConnection"/>.
/// </summary>
internal sealed class SocketShutdownPipeWriter : PipeWriter
{
    private readonly PipeWriter _inner;
    private readonly Socket _socket;
    private int _completed;

    public SocketShutdownPipeWriter(PipeWriter inner, Socket socket)
    {
        _inner = inner;
        _socket = socket;
    }

    public override bool CanGetUnflushedBytes => _inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => _inner.UnflushedBytes;

    public override void Advance(int bytes) => _inner.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => _inner.FlushAsync(cancellationToken);

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) => _inner.WriteAsync(source, cancellationToken);

    public override void CancelPendingFlush() => _inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return;
        }

        try
        {
            _inner.Complete(exception);
        }
        finally
        {
            ShutdownSend();
        }
    }

    public override async ValueTask CompleteAsync(Exception? exception = null)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return;
        }

        try
        {
            await _inner.CompleteAsync(exception).ConfigureAwait(false);
        }
        finally
        {
            ShutdownSend();
        }
    }

    private void ShutdownSend()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // Already reset or closed by the peer: there is nothing left to half-close.
        }
        catch (ObjectDisposedException)
        {
            // The connection was disposed first.
        }
    }
}
