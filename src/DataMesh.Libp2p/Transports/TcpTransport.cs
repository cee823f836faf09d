using System.Net;
using System.Net.Sockets;
using DataMesh.Libp2p.Multiformats;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataMesh.Libp2p.Transports;

/// <summary>
/// Plain TCP: listens on /ip4|ip6/…/tcp/port (port 0 picks a free one), dials /ip4|ip6|dns|dns4|dns6/…/tcp/port
/// (an optional trailing /p2p/… is ignored here; the security handshake checks it).
/// </summary>
public sealed class TcpTransport : ITransport
{
    private readonly TcpTransportOptions _options;
    private readonly ILogger _logger;

    public TcpTransport(TcpTransportOptions options, ILogger<TcpTransport>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public bool CanDial(Multiaddr address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.TryGetTcpEndPoint(out _);
    }

    public bool CanListen(Multiaddr address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.TryGetTcpEndPoint(out EndPoint? endPoint) && endPoint is IPEndPoint;
    }

    public ValueTask<IConnectionListener> ListenAsync(Multiaddr address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        cancellationToken.ThrowIfCancellationRequested();
        if (!address.TryGetTcpEndPoint(out EndPoint? endPoint) || endPoint is not IPEndPoint ipEndPoint)
        {
            throw new TransportException($"Cannot listen on {address}: TCP listens on /ip4/<address>/tcp/<port> or /ip6/<address>/tcp/<port>.", address);
        }

        var socket = new Socket(ipEndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(ipEndPoint);
            socket.Listen(_options.ListenBacklog);
            var listener = new TcpConnectionListener(socket, _options, _logger);
            Log.Listening(_logger, listener.ListenAddress);
            return ValueTask.FromResult<IConnectionListener>(listener);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new TransportException($"Cannot listen on {address}: {ex.SocketErrorCode} ({ex.Message}).", address, ex);
        }
    }

    public async ValueTask<IRawConnection> DialAsync(Multiaddr address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.TryGetTcpEndPoint(out EndPoint? endPoint) || endPoint is null)
        {
            throw new TransportException($"Cannot dial {address}: not a TCP address (/ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>).", address);
        }

        // A DNS name may resolve to either family: a dual-mode socket connects to both.
        Socket socket = endPoint is IPEndPoint ip
            ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        try
        {
            TcpConnection.Configure(socket, _options);
            await socket.ConnectAsync(endPoint, timeout.Token).ConfigureAwait(false);
            var connection = new TcpConnection(socket, _options);
            Log.Dialed(_logger, address, connection.LocalAddress);
            return connection;
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            Log.DialTimedOut(_logger, address, _options.ConnectTimeout);
            throw new TransportException($"Dialing {address} timed out after {_options.ConnectTimeout}.", address, ex);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            Log.DialFailed(_logger, address, ex.SocketErrorCode);
            throw new TransportException($"Dialing {address} failed: {ex.SocketErrorCode} ({ex.Message}).", address, ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
