using System.Net;
using System.Net.Sockets;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Transports;

/// <summary>TCP over IPv4, IPv6 and DNS names (/ip4|ip6|dns|dns4|dns6/…/tcp/port).</summary>
public sealed class TcpTransport : ITransport
{
    private readonly TcpTransportOptions _options;

    public TcpTransport(TcpTransportOptions? options = null) => _options = options ?? new TcpTransportOptions();

    public bool CanDial(Multiaddr address) => IsPlainTcp(address) && address.TryGetTcpEndPoint(out _);

    public bool CanListen(Multiaddr address) =>
        IsPlainTcp(address) && address.TryGetTcpEndPoint(out EndPoint? endPoint) && endPoint is IPEndPoint;

    public ValueTask<IConnectionListener> ListenAsync(Multiaddr address, CancellationToken cancellationToken)
    {
        if (!address.TryGetTcpEndPoint(out EndPoint? endPoint) || endPoint is not IPEndPoint ip)
        {
            throw new Libp2pException($"TCP can only listen on an /ip4 or /ip6 address with a port, not {address}.");
        }
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (ip.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }
            socket.Bind(ip);
            socket.Listen(_options.Backlog);
        }
        catch (SocketException error)
        {
            socket.Dispose();
            throw new Libp2pException($"Cannot listen on {address}: {error.Message}", error);
        }
        return ValueTask.FromResult<IConnectionListener>(new TcpListenerAdapter(socket, _options));
    }

    public async ValueTask<IRawConnection> DialAsync(Multiaddr address, CancellationToken cancellationToken)
    {
        if (!address.TryGetTcpEndPoint(out EndPoint? endPoint) || endPoint is null)
        {
            throw new Libp2pException($"TCP cannot dial {address}.");
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        if (endPoint is IPEndPoint ip)
        {
            socket.Dispose();
            socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        }
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException error)
        {
            socket.Dispose();
            throw new Libp2pException($"Connecting to {address} failed: {error.SocketErrorCode}.", error);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new TcpConnection(socket, _options);
    }

    private static bool IsPlainTcp(Multiaddr address)
    {
        IReadOnlyList<MultiaddrComponent> parts = address.Components;
        int count = parts.Count;
        if (count > 0 && parts[count - 1].Protocol == MultiaddrProtocol.P2p)
        {
            count--; // a trailing /p2p/<id> names the peer, not the transport
        }
        return count == 2 && parts[1].Protocol == MultiaddrProtocol.Tcp;
    }

    private sealed class TcpListenerAdapter : IConnectionListener
    {
        private readonly Socket _socket;
        private readonly TcpTransportOptions _options;

        public TcpListenerAdapter(Socket socket, TcpTransportOptions options)
        {
            _socket = socket;
            _options = options;
            ListenAddress = Multiaddr.FromIPEndPoint((IPEndPoint)socket.LocalEndPoint!);
        }

        public Multiaddr ListenAddress { get; }

        public async ValueTask<IRawConnection> AcceptAsync(CancellationToken cancellationToken)
        {
            try
            {
                Socket accepted = await _socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
                return new TcpConnection(accepted, _options);
            }
            catch (SocketException error) when (error.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
            {
                throw new ObjectDisposedException(nameof(TcpListenerAdapter), error);
            }
        }

        public ValueTask DisposeAsync()
        {
            _socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
