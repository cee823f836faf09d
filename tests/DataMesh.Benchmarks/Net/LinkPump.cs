using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Channels;

namespace DataMesh.Benchmarks.Net;

/// <summary>One direction of one relayed connection: source socket → link (rate, delay) → destination socket.
/// The delay line is a bounded channel of pooled chunks; the end of the source's data travels through it too, so
/// the destination sees the half-close one delay later. An error on either socket cancels the whole connection.</summary>
internal sealed class LinkPump
{
    private readonly Socket _source;
    private readonly Socket _destination;
    private readonly LinkDirection _link;
    private readonly CancellationTokenSource _connection;
    private readonly Channel<Chunk> _delayLine = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(DelayRelay.DelayLineChunks)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    public LinkPump(Socket source, Socket destination, LinkDirection link, CancellationTokenSource connection)
    {
        _source = source;
        _destination = destination;
        _link = link;
        _connection = connection;
    }

    public async Task RunAsync()
    {
        Task reader = ReadAsync();
        Task writer = WriteAsync();
        await Task.WhenAll(reader, writer).ConfigureAwait(false);
        while (_delayLine.Reader.TryRead(out Chunk left))
        {
            left.Return();
        }
    }

    private async Task ReadAsync()
    {
        CancellationToken token = _connection.Token;
        try
        {
            while (true)
            {
                // The router buffer is full: stop taking bytes until the wire has drained it.
                TimeSpan wait = _link.Backlog - _link.MaxBacklog;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, token).ConfigureAwait(false);
                }
                byte[] buffer = ArrayPool<byte>.Shared.Rent(DelayRelay.ChunkBytes);
                int read;
                try
                {
                    read = await _source.ReceiveAsync(buffer.AsMemory(0, DelayRelay.ChunkBytes), SocketFlags.None, token).ConfigureAwait(false);
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw;
                }
                if (read == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    await _delayLine.Writer.WriteAsync(new Chunk(null, 0, _link.Transmit(0)), token).ConfigureAwait(false);
                    return;
                }
                var chunk = new Chunk(buffer, read, _link.Transmit(read));
                if (!_delayLine.Writer.TryWrite(chunk))
                {
                    try
                    {
                        await _delayLine.Writer.WriteAsync(chunk, token).ConfigureAwait(false);
                    }
                    catch
                    {
                        chunk.Return();
                        throw;
                    }
                }
            }
        }
        catch (Exception error) when (error is SocketException or OperationCanceledException or ObjectDisposedException or ChannelClosedException)
        {
            await _connection.CancelAsync().ConfigureAwait(false);
        }
        finally
        {
            _delayLine.Writer.TryComplete();
        }
    }

    private async Task WriteAsync()
    {
        CancellationToken token = _connection.Token;
        try
        {
            await foreach (Chunk chunk in _delayLine.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                try
                {
                    long now = Stopwatch.GetTimestamp();
                    if (chunk.DueAt > now)
                    {
                        await Task.Delay(Stopwatch.GetElapsedTime(now, chunk.DueAt), token).ConfigureAwait(false);
                    }
                    if (chunk.Buffer is null)
                    {
                        _destination.Shutdown(SocketShutdown.Send);
                        return;
                    }
                    int sent = 0;
                    while (sent < chunk.Length)
                    {
                        sent += await _destination.SendAsync(chunk.Buffer.AsMemory(sent, chunk.Length - sent), SocketFlags.None, token).ConfigureAwait(false);
                    }
                }
                finally
                {
                    chunk.Return();
                }
            }
        }
        catch (Exception error) when (error is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            await _connection.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Bytes on their way, due at a Stopwatch timestamp; a null buffer is the sender's end of data.</summary>
    private readonly record struct Chunk(byte[]? Buffer, int Length, long DueAt)
    {
        public void Return()
        {
            if (Buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(Buffer);
            }
        }
    }
}
