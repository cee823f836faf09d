using System.IO.Pipelines;
using System.Net.Sockets;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Transports;

/// <summary>
/// A TCP socket as a duplex pipe: stream-backed pipe reader and writer with large buffers (one system call moves
/// up to <see cref="TcpTransportOptions.PipeBufferSize"/> bytes). Completing Output sends FIN.
/// </summary>
internal sealed class TcpConnection : IRawConnection
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SocketShutdownPipeWriter _output;
    private int _disposed;

    public TcpConnection(Socket socket, TcpTransportOptions options)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        Input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: options.PipeBufferSize, minimumReadSize: Math.Min(options.PipeBufferSize, 16 * 1024), leaveOpen: true));
        _output = new SocketShutdownPipeWriter(PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: options.PipeBufferSize, leaveOpen: true)), socket);
        LocalAddress = Multiaddr.FromIPEndPoint((System.Net.IPEndPoint)socket.LocalEndPoint!);
        RemoteAddress = Multiaddr.FromIPEndPoint((System.Net.IPEndPoint)socket.RemoteEndPoint!);
    }

    public Multiaddr LocalAddress { get; }

    public Multiaddr RemoteAddress { get; }

    public PipeReader Input { get; }

    public PipeWriter Output => _output;

    public static void Configure(Socket socket, TcpTransportOptions options)
    {
        socket.NoDelay = options.NoDelay;
        if (options.SocketSendBufferSize is { } send)
        {
            socket.SendBufferSize = send;
        }

        if (options.SocketReceiveBufferSize is { } receive)
        {
            socket.ReceiveBufferSize = receive;
        }
    }

    public override string ToString() => $"tcp {LocalAddress} <-> {RemoteAddress}";

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Writes to a peer that is gone fail; disposal only has to release, not report.
        try
        {
            await _output.CompleteAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        await Input.CompleteAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
