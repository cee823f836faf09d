namespace DataMesh.Libp2p.Host;

/// <summary>A peer or address could not be reached (refused, timed out, no known address).</summary>
internal sealed class PeerUnreachableException : Libp2pException
{
    public PeerUnreachableException(string message) : base(message) { }
    public PeerUnreachableException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>A connection upgrade (multistream, Noise, Yamux negotiation) did not finish in time: the peer stalled.</summary>
internal sealed class HandshakeTimeoutException : Libp2pException
{
    public HandshakeTimeoutException(string message) : base(message) { }
}

/// <summary>The host's connection limit is reached.</summary>
internal sealed class ConnectionLimitException : Libp2pException
{
    public ConnectionLimitException(string message) : base(message) { }
}
