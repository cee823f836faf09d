using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Transports;

/// <summary>Dialing, listening or accepting failed; <see cref="Address"/> is the multiaddr concerned.</summary>
internal sealed class TransportException : Libp2pException
{
    public TransportException(string message, Multiaddr? address, Exception? innerException = null)
        : base(message, innerException)
    {
        Address = address;
    }

    public Multiaddr? Address { get; }
}
