using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Transports;

namespace DataMesh.Libp2p.Host;

public sealed partial class Libp2pHost
{
    private readonly List<(IConnectionListener Listener, Task Loop)> _listeners = [];
    private readonly Lock _listenersGate = new();

    /// <summary>The addresses the host listens on, with the real port where port 0 was asked.</summary>
    public IReadOnlyList<Multiaddr> ListenAddresses
    {
        get
        {
            lock (_listenersGate)
            {
                return [.. _listeners.Select(l => l.Listener.ListenAddress)];
            }
        }
    }

    /// <summary>Starts listening. Each address gets an accept loop owned by the host.</summary>
    /// <exception cref="Libp2pException">No transport handles an address, or it cannot be bound.</exception>
    public async Task ListenAsync(IEnumerable<Multiaddr> addresses, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        foreach (Multiaddr address in addresses)
        {
            ITransport transport = _transports.FirstOrDefault(t => t.CanListen(address))
                ?? throw new Libp2pException($"No transport can listen on {address}.");
            IConnectionListener listener = await transport.ListenAsync(address, cancellationToken).ConfigureAwait(false);
            lock (_listenersGate)
            {
                _listeners.Add((listener, AcceptLoopAsync(listener)));
            }
            Log.Listening(_logger, listener.ListenAddress, PeerId);
        }
    }

    /// <summary>Addresses to tell peers: listen addresses, with an unspecified IP (0.0.0.0, ::) replaced by this
    /// machine's interface addresses.</summary>
    public IReadOnlyList<Multiaddr> GetAdvertisedAddresses()
    {
        var result = new List<Multiaddr>();
        foreach (Multiaddr address in ListenAddresses)
        {
            if (address.TryGetTcpEndPoint(out EndPoint? endPoint) && endPoint is IPEndPoint ip &&
                (ip.Address.Equals(IPAddress.Any) || ip.Address.Equals(IPAddress.IPv6Any)))
            {
                result.AddRange(LocalAddresses(ip.AddressFamily).Select(a => Multiaddr.FromIPEndPoint(new IPEndPoint(a, ip.Port))));
            }
            else
            {
                result.Add(address);
            }
        }
        return result;
    }

    private static IEnumerable<IPAddress> LocalAddresses(AddressFamily family) =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address)
            .Where(a => a.AddressFamily == family && !a.IsIPv6LinkLocal)
            .Distinct();

    private async Task AcceptLoopAsync(IConnectionListener listener)
    {
        while (!_shutdown.IsCancellationRequested)
        {
            IRawConnection raw;
            try
            {
                raw = await listener.AcceptAsync(_shutdown.Token).ConfigureAwait(false);
            }
            catch (Exception error) when (error is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (Exception error) when (error is Libp2pException or IOException or SocketException)
            {
                Log.AcceptFailed(_logger, listener.ListenAddress, error.Message);
                continue;
            }
            // Dropped before any crypto when the pool is full, for everyone or for the sender's network. The
            // connection limit is checked after the handshake, when the peer is known and room can be made for it.
            if (!Resources.TryAcquireHandshake(AddressPrefix.KeyOf(raw.RemoteAddress), out ResourceLease? lease, out ResourceScopeKind refusedBy))
            {
                Log.InboundRefused(_logger, raw.RemoteAddress, refusedBy);
                await raw.DisposeAsync().ConfigureAwait(false);
                continue;
            }
            _background.Track(() => UpgradeInboundAsync(raw, lease));
        }
    }

    private async Task UpgradeInboundAsync(IRawConnection raw, ResourceLease lease)
    {
        try
        {
            await UpgradeAsync(raw, ConnectionDirection.Inbound, expectedPeer: null, _shutdown.Token).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            Log.InboundHandshakeFailed(_logger, raw.RemoteAddress, error.Message);
        }
        finally
        {
            lease.Dispose();
        }
    }

    private async Task StopListenersAsync()
    {
        (IConnectionListener Listener, Task Loop)[] listeners;
        lock (_listenersGate)
        {
            listeners = [.. _listeners];
            _listeners.Clear();
        }
        foreach ((IConnectionListener listener, Task loop) in listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
            await loop.ConfigureAwait(false);
        }
    }
}
