using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Transports;

/// <summary>
/// Dials and listens on /memory/&lt;n&gt; addresses of one <see cref="InMemoryNetwork"/> (for tests and simulations).
/// Connections dialed by a transport that listens carry its first listen address as local address, so links set
/// with <see cref="InMemoryNetwork.SetLink"/> between listen addresses apply to connections in both directions.
/// </summary>
public sealed class InMemoryTransport : ITransport
{
    private readonly InMemoryNetwork _network;
    private readonly List<InMemoryConnectionListener> _listeners = [];
    private readonly Lock _gate = new();

    public InMemoryTransport(InMemoryNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        _network = network;
    }

    public bool CanDial(Multiaddr address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return InMemoryNetwork.TryGetPort(address, out ulong port) && port != 0;
    }

    public bool CanListen(Multiaddr address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return InMemoryNetwork.TryGetPort(address, out _);
    }

    public ValueTask<IConnectionListener> ListenAsync(Multiaddr address, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        InMemoryConnectionListener listener = _network.Listen(address);
        lock (_gate)
        {
            _listeners.RemoveAll(l => l.IsClosed);
            _listeners.Add(listener);
        }

        return ValueTask.FromResult<IConnectionListener>(listener);
    }

    public async ValueTask<IRawConnection> DialAsync(Multiaddr address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        cancellationToken.ThrowIfCancellationRequested();
        if (!InMemoryNetwork.TryGetPort(address, out ulong port) || port == 0)
        {
            throw new TransportException($"Cannot dial {address}: not an in-memory address (/memory/<n>, n > 0).", address);
        }

        InMemoryConnectionListener listener = _network.Find(port)
            ?? throw new TransportException($"Dialing {address} failed: nothing listens on it in this in-memory network.", address);

        ulong localPort = OwnListenPort() ?? _network.AllocatePort();
        InMemoryLinkOptions link = _network.LinkBetween(localPort, port);
        (InMemoryConnection dialer, InMemoryConnection accepted) = InMemoryConnection.CreatePair(
            InMemoryNetwork.AddressOf(localPort), listener.ListenAddress, link, _network.TimeProvider);
        if (!listener.TryEnqueue(accepted))
        {
            // Never handed out: both ends are ours to release.
            await dialer.DisposeAsync().ConfigureAwait(false);
            await accepted.DisposeAsync().ConfigureAwait(false);
            throw new TransportException($"Dialing {address} failed: the listener's backlog is full or it is closing.", address);
        }

        return dialer;
    }

    private ulong? OwnListenPort()
    {
        lock (_gate)
        {
            _listeners.RemoveAll(l => l.IsClosed);
            return _listeners.Count > 0 ? _listeners[0].Port : null;
        }
    }
}
