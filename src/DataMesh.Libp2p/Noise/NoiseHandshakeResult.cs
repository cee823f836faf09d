using DataMesh.Libp2p.Identity;

namespace DataMesh.Libp2p.Noise;

/// <summary>The outcome of a completed Noise handshake: the transport ciphers and the authenticated remote identity.
/// Owns both cipher states until they are handed to a channel.</summary>
internal sealed class NoiseHandshakeResult : IDisposable
{
    internal NoiseHandshakeResult(NoiseCipherState sender, NoiseCipherState receiver, PublicKey remoteIdentityKey,
        NoiseExtensions? remoteExtensions, byte[] handshakeHash)
    {
        Sender = sender;
        Receiver = receiver;
        RemoteIdentityKey = remoteIdentityKey;
        RemotePeer = PeerId.FromPublicKey(remoteIdentityKey);
        RemoteExtensions = remoteExtensions;
        HandshakeHash = handshakeHash;
    }

    /// <summary>Encrypts what we send.</summary>
    public NoiseCipherState Sender { get; }

    /// <summary>Decrypts what we receive.</summary>
    public NoiseCipherState Receiver { get; }

    public PublicKey RemoteIdentityKey { get; }

    public PeerId RemotePeer { get; }

    /// <summary>The remote's Noise extensions, if it sent any.</summary>
    public NoiseExtensions? RemoteExtensions { get; }

    /// <summary>The final handshake hash h (a channel binding value, identical on both sides).</summary>
    public ReadOnlyMemory<byte> HandshakeHash { get; }

    public void Dispose()
    {
        Sender.Dispose();
        Receiver.Dispose();
    }
}
