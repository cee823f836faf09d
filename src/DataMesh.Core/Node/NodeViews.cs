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
