namespace DataMesh.Libp2p.Kad;

/// <summary>The RPC of a kad-dht message (libp2p/specs kad-dht, field 1 of Message).</summary>
internal enum KadMessageType
{
    PutValue = 0,
    GetValue = 1,
    AddProvider = 2,
    GetProviders = 3,
    FindNode = 4,
    Ping = 5,
}

/// <summary>What the sender knows of its connection to a listed peer (advisory only).</summary>
internal enum KadConnectionType
{
    NotConnected = 0,
    Connected = 1,
    CanConnect = 2,
    CannotConnect = 3,
}

/// <summary>A peer as carried in closerPeers/providerPeers: raw peer id (multihash) and raw multiaddrs, parsed by
/// the DHT, which drops what it cannot use rather than failing the whole message.</summary>
internal sealed record KadPeerInfo(ReadOnlyMemory<byte> Id, IReadOnlyList<ReadOnlyMemory<byte>> Addresses, KadConnectionType Connection = KadConnectionType.NotConnected);

/// <summary>The kad-dht Record: key, value and the RFC 3339 time the receiver got it (field 5; fields 3 and 4,
/// author and signature, are obsolete and ignored).</summary>
internal sealed record KadRecord(ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte> Value, string? TimeReceived = null);

/// <summary>One kad-dht Message, request or response.</summary>
internal sealed record KadMessage(KadMessageType Type, ReadOnlyMemory<byte> Key)
{
    public KadRecord? Record { get; init; }

    public IReadOnlyList<KadPeerInfo> CloserPeers { get; init; } = [];

    public IReadOnlyList<KadPeerInfo> ProviderPeers { get; init; } = [];

    /// <summary>Field 10, unused by every implementation; kept so a round trip is lossless.</summary>
    public int ClusterLevelRaw { get; init; }
}
