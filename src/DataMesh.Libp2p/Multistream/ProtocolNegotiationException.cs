namespace DataMesh.Libp2p.Multistream;

/// <summary>multistream-select failed: no common protocol, a protocol violation, or the stream ended mid-negotiation.</summary>
internal sealed class ProtocolNegotiationException : Libp2pException
{
    public ProtocolNegotiationException(string message) : base(message)
    {
        TriedProtocols = [];
    }

    public ProtocolNegotiationException(string message, IReadOnlyList<string> triedProtocols) : base(message)
    {
        TriedProtocols = triedProtocols;
    }

    public ProtocolNegotiationException(string message, Exception? innerException) : base(message, innerException)
    {
        TriedProtocols = [];
    }

    /// <summary>The protocols the dialer proposed and the remote refused (empty for other failures).</summary>
    public IReadOnlyList<string> TriedProtocols { get; }
}
