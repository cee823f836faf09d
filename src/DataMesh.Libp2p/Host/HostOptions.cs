using DataMesh.Libp2p.Yamux;

namespace DataMesh.Libp2p.Host;

/// <summary>Limits and identity strings of a <see cref="Libp2pHost"/>. Every limit exists so that a peer cannot make us
/// hold unbounded memory or tasks.</summary>
public sealed record HostOptions
{
    public static HostOptions Default { get; } = new();

    /// <summary>Sent in Identify; libp2p convention is "name/version".</summary>
    public string AgentVersion { get; init; } = "datamesh/" + (typeof(HostOptions).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    public string ProtocolVersion { get; init; } = "ipfs/0.1.0";

    /// <summary>Open connections, inbound and outbound together. Inbound connections over the limit are closed at once.</summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>Inbound connections still in their handshake. Excess ones are dropped before any crypto is done.</summary>
    public int MaxPendingInboundHandshakes { get; init; } = 64;

    /// <summary>Time for a whole connection upgrade (multistream, Noise, multistream, Yamux). A peer that stalls loses the connection.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time to open the raw transport connection.</summary>
    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time for a stream's protocol negotiation.</summary>
    public TimeSpan StreamNegotiationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest Identify message accepted (js-libp2p sends a few KiB; signed peer records included).</summary>
    public int MaxIdentifyMessageBytes { get; init; } = 64 * 1024;

    /// <summary>Addresses remembered per peer in the peer store.</summary>
    public int MaxAddressesPerPeer { get; init; } = 32;

    /// <summary>Peers remembered in the peer store; the least recently seen unconnected peers are forgotten first.</summary>
    public int MaxKnownPeers { get; init; } = 100_000;

    public YamuxOptions Yamux { get; init; } = new();

    /// <summary>Watermarks, grace period and idle timeout of the connection trimming.</summary>
    public ConnectionManagerOptions ConnectionManager { get; init; } = new();
}
