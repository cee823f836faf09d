using DataMesh.Libp2p.Identity;

namespace DataMesh.Libp2p.Noise;

/// <summary>The Noise handshake failed: bad message, failed decryption, invalid identity signature or key.</summary>
internal class NoiseHandshakeException : Libp2pException
{
    public NoiseHandshakeException(string message) : base(message) { }
    public NoiseHandshakeException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>The remote completed a valid handshake but proved a different identity than the one dialed.</summary>
internal sealed class PeerIdMismatchException : NoiseHandshakeException
{
    public PeerIdMismatchException(PeerId expected, PeerId actual)
        : base($"Peer id mismatch: expected {expected}, but the remote proved {actual}.")
    {
        Expected = expected;
        Actual = actual;
    }

    public PeerId Expected { get; }

    public PeerId Actual { get; }
}

/// <summary>The secure channel failed after the handshake: a malformed or unauthentic frame, or nonce exhaustion.</summary>
internal sealed class NoiseProtocolException : Libp2pException
{
    public NoiseProtocolException(string message) : base(message) { }
    public NoiseProtocolException(string message, Exception? innerException) : base(message, innerException) { }
}
