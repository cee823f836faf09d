namespace DataMesh.Libp2p.Kad;

/// <summary>Server mode answers DHT queries (registers the protocol, so Identify advertises it and peers put us in
/// their routing tables); client mode only asks.</summary>
public enum KadMode
{
    Server,
    Client,
}

/// <summary>Settings of a <see cref="KadDht"/>. The defaults follow go-libp2p-kad-dht where it has a reason to be
/// followed (k = 20, alpha = 3, 36 h records, 48 h providers republished every 22 h); docs/kademlia.md explains each.</summary>
public sealed record KadOptions
{
    public const string DefaultProtocolId = "/datamesh/kad/1.0.0";

    public static KadOptions Default { get; } = new();

    /// <summary>"/datamesh/kad/1.0.0" keeps DataMesh apart from the public IPFS DHT; "/ipfs/kad/1.0.0" joins it.</summary>
    public string ProtocolId { get; init; } = DefaultProtocolId;

    public KadMode Mode { get; init; } = KadMode.Server;

    /// <summary>k: bucket size, replication factor and the number of closest peers a lookup converges on.</summary>
    public int BucketSize { get; init; } = 20;

    /// <summary>Lookup requests in flight at once.</summary>
    public int Alpha { get; init; } = 3;

    /// <summary>One RPC (open stream, request, response) must finish in this time or counts as failed.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bound of one framed message, checked on the length prefix before any allocation. 1 MiB holds the
    /// largest legitimate message (a 64 KiB record plus 20 peers with their addresses) many times over; go uses 4 MiB.</summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024;

    public KadCodecLimits CodecLimits { get; init; } = KadCodecLimits.Default;

    /// <summary>Largest record value accepted or published; larger ones are refused with a reason.</summary>
    public int MaxRecordValueBytes { get; init; } = 64 * 1024;

    /// <summary>A GET stops early once this many peers returned a valid record (our own copy counts as one).</summary>
    public int GetQuorum { get; init; } = 3;

    /// <summary>Lookup stops announcing more providers than this per response.</summary>
    public int MaxProvidersPerResponse { get; init; } = 20;

    /// <summary>When set and no stores are given, records and providers persist under this directory
    /// ("records" and "providers" subfolders).</summary>
    public string? DataDirectory { get; init; }

    public RecordStoreOptions RecordStore { get; init; } = new();

    public ProviderStoreOptions ProviderStore { get; init; } = new();

    /// <summary>How often the maintenance loop wakes up; every schedule below is checked on that tick.</summary>
    public TimeSpan MaintenanceInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>A bucket not touched by any lookup for this long is refreshed with a lookup of a random key in it,
    /// and a self-lookup runs on the same period (go-libp2p-kad-dht: 10 minutes).</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Random walk: a lookup of a random key that discovers new peers, run on this period, and on every
    /// maintenance tick while the table holds fewer than k peers.</summary>
    public TimeSpan RandomWalkInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Our own records are stored again on the then-closest peers on this period, well inside the 36 h
    /// they live on other nodes, so churn among the k holders is repaired three times per lifetime.</summary>
    public TimeSpan RecordRepublishInterval { get; init; } = TimeSpan.FromHours(12);

    /// <summary>Our provider announcements are renewed on this period (go-libp2p-kad-dht: 22 h against 48 h validity).</summary>
    public TimeSpan ProviderRepublishInterval { get; init; } = TimeSpan.FromHours(22);

    /// <summary>Inbound requests handled at once for one peer; excess streams are reset, so a flooding peer is
    /// throttled without touching anyone else's share.</summary>
    public int MaxInboundRequestsPerPeer { get; init; } = 8;

    /// <summary>Inbound requests handled at once over all peers.</summary>
    public int MaxInboundRequestsTotal { get; init; } = 128;

    /// <summary>An inbound stream idle this long between requests is closed.</summary>
    public TimeSpan InboundIdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Members of the routing table's buckets below this index (0 and 1: common prefix with our key shorter
    /// than 2 bits, half and a quarter of the key space) are protected from the host's pressure trimming
    /// (<see cref="Host.Libp2pHost.Protect"/>), as go-libp2p-kad-dht does; at most this many × k peers. 0: none.</summary>
    public int ProtectedBuckets { get; init; } = 2;

    /// <summary>How long a routing-table member has to answer a liveness check before a newcomer replaces it.</summary>
    public TimeSpan LivenessTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public RecordValidatorRegistry Validators { get; init; } = RecordValidatorRegistry.Default;

    internal LookupParameters Lookup => new(BucketSize, Alpha, RequestTimeout, Math.Max(BucketSize * 10, 64));
}
