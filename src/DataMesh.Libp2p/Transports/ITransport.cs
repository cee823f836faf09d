using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Transports;

/// <summary>A way to reach peers (TCP, in-memory): dials and listens on the multiaddrs it understands.</summary>
public interface ITransport
{
    bool CanDial(Multiaddr address);

    bool CanListen(Multiaddr address);

    /// <exception cref="TransportException">The address cannot be listened on.</exception>
    ValueTask<IConnectionListener> ListenAsync(Multiaddr address, CancellationToken cancellationToken);

    /// <exception cref="TransportException">The connection could not be established; the message names the address.</exception>
    ValueTask<IRawConnection> DialAsync(Multiaddr address, CancellationToken cancellationToken);
}
