using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Transports;

/// <summary>Accepts inbound raw connections on one address until disposed.</summary>
public interface IConnectionListener : IAsyncDisposable
{
    /// <summary>The address actually listened on (a requested port 0 is replaced by the real one).</summary>
    Multiaddr ListenAddress { get; }

    /// <summary>Waits for the next inbound connection.</summary>
    /// <exception cref="TransportException">The listener is closed.</exception>
    ValueTask<IRawConnection> AcceptAsync(CancellationToken cancellationToken);
}
