using System.Net.Sockets;
using DataMesh.Libp2p.Multiformats;
using Microsoft.Extensions.Logging;

namespace DataMesh.Libp2p.Transports;

/// <summary>A bound, listening TCP socket.</summary>
internal sealed class TcpConnectionListener : IConnectionListener
{
    private readonly Socket _socket;
    private readonly TcpTransportOptions _options;
    private readonly ILogger _logger;
    private int _disposed;

    public TcpConnectionListener(Socket socket, TcpTransportOptions options, ILogger logger)
    {
        _socket = socket;
        _options = options;
        _logger = logger;
        ListenAddress = Multiaddr.FromIPEndPoint((System.Net.IPEndPoint)socket.LocalEndPoint!);
    }

    public Multiaddr ListenAddress { get; }

    public async ValueTask<IRawConnection> AcceptAsync(CancellationToken cancellationToken)
    {
        Socket accepted;
        try
        {
            accepted = await _socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ObjectDisposedException || (ex is SocketException && Volatile.Read(ref _disposed) != 0))
        {
            throw new TransportException($"The TCP listener on {ListenAddress} is closed.", ListenAddress, ex);
        }
        catch (SocketException ex)
        {
            throw new TransportException($"Accepting on {ListenAddress} failed: {ex.SocketErrorCode}.", ListenAddress, ex);
        }

        try
        {
            TcpConnection.Configure(accepted, _options);
            var connection = new TcpConnection(accepted, _options);
            Log.Accepted(_logger, connection.RemoteAddress, ListenAddress);
            return connection;
        }
        catch
        {
            accepted.Dispose();
            throw;
        }
    }

    public override string ToString() => $"tcp listener {ListenAddress}";

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _socket.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
