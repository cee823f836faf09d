using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Transports;

/// <summary>Dials and listens on /memory/&lt;n&gt; addresses of one <see cref="InMemoryNetwork"/>.</summary>
public sealed class InMemoryTransport : ITransport
{
    private readonly InMemoryNetwork _network;

    public InMemoryTransport(InMemoryNetwork network) => _network = network;

    public bool CanDial(Multiaddr address) => InMemoryNetwork.TryGetPort(address, out ulong port) && port != 0;

    public bool CanListen(Multiaddr address) => InMemoryNetwork.TryGetPort(address, out _);

    public ValueTask<IConnectionListener> ListenAsync(Multiaddr address, CancellationToken cancellationToken)
    {
        if (!InMemoryNetwork.TryGetPort(address, out ulong port))
        {
            throw new Libp2pException($"The in-memory transport cannot listen on {address}.");
        }
        return ValueTask.FromResult<IConnectionListener>(_network.Listen(port));
    }

    public ValueTask<IRawConnection> DialAsync(Multiaddr address, CancellationToken cancellationToken)
    {
        if (!InMemoryNetwork.TryGetPort(address, out ulong port))
        {
            throw new Libp2pException($"The in-memory transport cannot dial {address}.");
        }
        cancellationToken.ThrowIfCancellationRequested();
        return _network.DialAsync(port, cancellationToken);
    }
}
