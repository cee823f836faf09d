using DataMesh.Core.Peers;

namespace DataMesh.Core.Node;

/// <summary>One connected peer, in text form.</summary>
/// <param name="Direction">"Inbound" or "Outbound".</param>
/// <param name="AgentVersion">From Identify; null until the peer has identified itself.</param>
public sealed record ConnectedPeerView(
    string PeerId,
    string RemoteAddress,
    IReadOnlyList<string> ListenAddresses,
    string? AgentVersion,
    IReadOnlyList<string> Protocols,
    string Direction,
    DateTimeOffset OpenedAt);

/// <summary>One ping round trip.</summary>
public sealed record PingReply(string PeerId, string Address, TimeSpan RoundTrip);

/// <summary>The outcome of dialing one address, in text form.</summary>
public sealed record ConnectAttempt(string Address, string? PeerId, string? Error)
{
    public bool Succeeded => PeerId is not null;
}

/// <summary>What the chunk manager learned of one peer, with the peer id in text form.</summary>
public sealed record PeerStatsView(string PeerId, PeerStatsSnapshot Statistics);

/// <summary>A file this user sent, as recorded in the local catalog.</summary>
public sealed record CatalogFileView(
    string FileKey,
    string Name,
    long Size,
    IReadOnlyList<string> Tags,
    DateTimeOffset Created,
    int ChunkSize,
    int DataShards,
    int ParityShards,
    long Stripes,
    int Recipients);

/// <summary>A peer as the DHT knows it (Find-DataMeshPeer).</summary>
/// <param name="Addresses">Listen addresses without the /p2p part.</param>
public sealed record DhtPeerView(string PeerId, IReadOnlyList<string> Addresses, bool Connected, bool InRoutingTable);

/// <summary>One peer of the routing table or of the open connections (Get-DataMeshPeer).</summary>
/// <param name="Bucket">The k-bucket (common prefix length with this node's key); null when not in the routing table.</param>
/// <param name="Connection">The open connection to it, null when there is none.</param>
public sealed record RoutingTablePeerView(
    string PeerId,
    int? Bucket,
    DateTimeOffset? AddedAt,
    DateTimeOffset? LastSeen,
    IReadOnlyList<string> Addresses,
    IReadOnlyList<string> Protocols,
    string? AgentVersion,
    ConnectedPeerView? Connection);

/// <summary>A signed DHT record of the "dm" namespace, as published or found.</summary>
/// <param name="Key">The full key, /dm/&lt;publisher&gt;/&lt;name&gt;.</param>
/// <param name="Published">When the publisher signed this version (its sequence number is that time in Unix
/// milliseconds); null for a sequence number that is not such a time.</param>
/// <param name="Expires">Until when the peers that hold this version keep it at least (36 h after it was stored; the
/// publisher's 12-hourly republishing extends it while the publisher runs).</param>
/// <param name="Replicas">How many DHT peers accepted it (publish only).</param>
public sealed record DhtRecordView(
    string Key,
    string Name,
    string Publisher,
    ulong Sequence,
    DateTimeOffset? Published,
    DateTimeOffset? Expires,
    ReadOnlyMemory<byte> Value,
    int? Replicas);
