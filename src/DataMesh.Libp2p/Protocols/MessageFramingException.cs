namespace DataMesh.Libp2p.Protocols;

/// <summary>A peer sent a length-prefixed message that is too large, truncated or malformed.</summary>
internal sealed class MessageFramingException : Libp2pException
{
    public MessageFramingException(string message) : base(message) { }
}
