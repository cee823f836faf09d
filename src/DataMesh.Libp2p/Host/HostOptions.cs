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

    /// <summary>Open connections, inbound and outbound together (system scope). When it is reached and a new peer
    /// completes its handshake, the connection manager closes the least useful connection to make room
    /// (<see cref="ConnectionManagerOptions"/>); if none can go, the new connection is refused.</summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>Connections to one peer, both directions (peer scope). One is the norm, two when both sides dialed at
    /// once; more only lets one identity take many slots.</summary>
    public int MaxConnectionsPerPeer { get; init; } = 8;

    /// <summary>Inbound connections still in their handshake, from everyone (system scope). Excess ones are dropped
    /// before any crypto is done.</summary>
    public int MaxPendingInboundHandshakes { get; init; } = 64;

    /// <summary>Inbound connections still in their handshake from one remote network (address scope: /24 for IPv4,
    /// /48 for IPv6, each loopback address alone). Silent sockets from one network then cannot hold the global pool.</summary>
    public int MaxPendingInboundHandshakesPerAddress { get; init; } = 8;

    /// <summary>Time for an inbound connection upgrade (multistream, Noise, multistream, Yamux). Short: an honest dialer
    /// completes it in a few round trips, and each pending handshake holds a slot of the pools above.</summary>
    public TimeSpan InboundHandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time for an outbound connection upgrade. A peer that stalls loses the connection.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Inbound streams whose handlers run at once, from everyone (system scope); more are reset on arrival.
    /// Each may buffer a receive window (256 KiB at first), so this also bounds that memory (256 MiB by default).</summary>
    public int MaxInboundStreams { get; init; } = 1024;

    /// <summary>Inbound streams whose handlers run at once for one peer (peer scope), over all its connections; the
    /// Yamux cap (<see cref="YamuxOptions.MaxStreams"/>) still bounds each connection.</summary>
    public int MaxInboundStreamsPerPeer { get; init; } = 256;

    /// <summary>A stream that carried no data either way for this long is reset (null: never). Waiting for a peer
    /// that neither sends nor reads must not pin a stream, its handler and its connection forever.</summary>
    public TimeSpan? StreamIdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

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

    /// <summary>Checks every limit (the nested records too); the host calls it before it starts.</summary>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnections, 1, nameof(MaxConnections));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnectionsPerPeer, 1, nameof(MaxConnectionsPerPeer));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPendingInboundHandshakes, 1, nameof(MaxPendingInboundHandshakes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPendingInboundHandshakesPerAddress, 1, nameof(MaxPendingInboundHandshakesPerAddress));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInboundStreams, 1, nameof(MaxInboundStreams));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInboundStreamsPerPeer, 1, nameof(MaxInboundStreamsPerPeer));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(InboundHandshakeTimeout, TimeSpan.Zero, nameof(InboundHandshakeTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HandshakeTimeout, TimeSpan.Zero, nameof(HandshakeTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DialTimeout, TimeSpan.Zero, nameof(DialTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StreamNegotiationTimeout, TimeSpan.Zero, nameof(StreamNegotiationTimeout));
        if (StreamIdleTimeout is { } idle)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(idle, TimeSpan.Zero, nameof(StreamIdleTimeout));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxIdentifyMessageBytes, 1, nameof(MaxIdentifyMessageBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAddressesPerPeer, 1, nameof(MaxAddressesPerPeer));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxKnownPeers, 1, nameof(MaxKnownPeers));
        ArgumentNullException.ThrowIfNull(Yamux);
        ArgumentNullException.ThrowIfNull(ConnectionManager);
        Yamux.Validate();
        ConnectionManager.Validate();
    }
}
