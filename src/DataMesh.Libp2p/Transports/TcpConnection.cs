using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Transports;

/// <summary>A socket exposed as a duplex pipe: one receive loop fills the input pipe (pausing, and so pushing back on
/// the peer, when the reader lags), one send loop drains the output pipe. One shutdown path closes everything.</summary>
internal sealed class TcpConnection : IRawConnection
{
    private const int MinimumReceiveSegment = 64 * 1024;

    private readonly Socket _socket;
    private readonly Pipe _receive;
    private readonly Pipe _send;
    private readonly Task _receiveLoop;
    private readonly Task _sendLoop;
    private int _disposed;

    public TcpConnection(Socket socket, TcpTransportOptions options)
    {
        _socket = socket;
        _socket.NoDelay = true;
        LocalAddress = Multiaddr.FromIPEndPoint((IPEndPoint)socket.LocalEndPoint!);
        RemoteAddress = Multiaddr.FromIPEndPoint((IPEndPoint)socket.RemoteEndPoint!);
        _receive = new Pipe(new PipeOptions(
            pauseWriterThreshold: options.ReceiveBufferBytes,
            resumeWriterThreshold: options.ReceiveBufferBytes / 2,
            minimumSegmentSize: MinimumReceiveSegment,
            useSynchronizationContext: false));
        _send = new Pipe(new PipeOptions(
            pauseWriterThreshold: options.SendBufferBytes,
            resumeWriterThreshold: options.SendBufferBytes / 2,
            minimumSegmentSize: MinimumReceiveSegment,
            useSynchronizationContext: false));
        _receiveLoop = ReceiveLoopAsync();
        _sendLoop = SendLoopAsync();
    }

    public Multiaddr LocalAddress { get; }

    public Multiaddr RemoteAddress { get; }

    public PipeReader Input => _receive.Reader;

    public PipeWriter Output => _send.Writer;

    private async Task ReceiveLoopAsync()
    {
        PipeWriter writer = _receive.Writer;
        Exception? error = null;
        try
        {
            while (true)
            {
                Memory<byte> memory = writer.GetMemory(MinimumReceiveSegment);
                int received = await _socket.ReceiveAsync(memory, SocketFlags.None).ConfigureAwait(false);
                if (received == 0)
                {
                    break; // the peer closed its sending side
                }
                writer.Advance(received);
                FlushResult flushed = await writer.FlushAsync().ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    break; // our reader is gone
                }
            }
        }
        catch (Exception caught) when (caught is SocketException or ObjectDisposedException)
        {
            if (Volatile.Read(ref _disposed) == 0)
            {
                error = new IOException($"The connection with {RemoteAddress} failed: {caught.Message}", caught);
            }
        }
        await writer.CompleteAsync(error).ConfigureAwait(false);
    }

    private async Task SendLoopAsync()
    {
        PipeReader reader = _send.Reader;
        Exception? error = null;
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync().ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                foreach (ReadOnlyMemory<byte> segment in buffer)
                {
                    int sent = 0;
                    while (sent < segment.Length)
                    {
                        sent += await _socket.SendAsync(segment[sent..], SocketFlags.None).ConfigureAwait(false);
                    }
                }
                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
            _socket.Shutdown(SocketShutdown.Send); // the application finished writing: tell the peer
        }
        catch (Exception caught) when (caught is SocketException or ObjectDisposedException)
        {
            if (Volatile.Read(ref _disposed) == 0)
            {
                error = new IOException($"Sending to {RemoteAddress} failed: {caught.Message}", caught);
            }
        }
        await reader.CompleteAsync(error).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        // Let queued bytes go out first (the send loop ends when the writer completes), then close the socket,
        // which also ends a receive loop that waits on the peer.
        await _send.Writer.CompleteAsync().ConfigureAwait(false);
        await Task.WhenAny(_sendLoop, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        _socket.Dispose();
        WakeUp(_send.Reader.CancelPendingRead);
        await _sendLoop.ConfigureAwait(false);
        // A receive loop blocked on a full pipe (nobody reading) is woken so it sees the closed socket.
        WakeUp(_receive.Writer.CancelPendingFlush);
        await _receiveLoop.ConfigureAwait(false);
    }

    private static void WakeUp(Action cancelPending)
    {
        try
        {
            cancelPending();
        }
        catch (InvalidOperationException)
        {
            // that side already completed: nothing to wake
        }
    }
}
