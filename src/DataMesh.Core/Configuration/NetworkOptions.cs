namespace DataMesh.Core.Configuration;

/// <summary>The <c>[network]</c> section: how the node listens, whom it contacts first and how the DHT behaves.</summary>
public sealed record NetworkOptions
{
    /// <summary>Multiaddrs to listen on.</summary>
    public IReadOnlyList<string> ListenAddresses { get; init; } = ["/ip4/0.0.0.0/tcp/4001"];

    /// <summary>Multiaddrs (each ending in <c>/p2p/&lt;peer id&gt;</c>) dialled at start-up to join the network.</summary>
    public IReadOnlyList<string> BootstrapNodes { get; init; } = [];

    /// <summary>Copies of each shard when <c>[storage]</c> data_shards/parity_shards fix the layout (and the manifest's
    /// copies then); a holder lookup gathers up to twice this many provider records. With the policy layout (the
    /// default) each shard is stored once, one per node, and tolerated_node_failures sets the redundancy; provider
    /// records themselves go to the kad_bucket_size closest DHT servers either way.</summary>
    public int ReplicationFactor { get; init; } = 3;

    /// <summary>The Kademlia protocol id; nodes only talk DHT with peers that use the same id.</summary>
    public string KadProtocol { get; init; } = "/datamesh/kad/1.0.0";

    /// <summary>Upper bound on simultaneous connections (inbound and outbound).</summary>
    public int MaxConnections { get; init; } = 256;

    /// <summary>Time allowed to dial and upgrade one connection.</summary>
    public int ConnectTimeoutSecs { get; init; } = 10;

    public DhtMode DhtMode { get; init; } = DhtMode.Auto;

    /// <summary>Kademlia k: bucket size, the number of peers a record is stored on, and the peers a lookup converges on.</summary>
    public int KadBucketSize { get; init; } = 20;

    /// <summary>Kademlia alpha: lookup requests in flight at once.</summary>
    public int KadAlpha { get; init; } = 3;

    /// <summary>Time one DHT request (open stream, ask, answer) may take before it counts as failed.</summary>
    public int KadRequestTimeoutSecs { get; init; } = 10;

    /// <summary>Period of the DHT maintenance loop; every schedule below is checked on this tick.</summary>
    public int KadMaintenanceIntervalSecs { get; init; } = 60;

    /// <summary>Self-lookup period; buckets untouched this long are refreshed (go-libp2p-kad-dht: 10 minutes).</summary>
    public int KadRefreshIntervalSecs { get; init; } = 600;

    /// <summary>Random-walk period (also run on every tick while the routing table holds fewer than k peers).</summary>
    public int KadRandomWalkIntervalSecs { get; init; } = 300;

    /// <summary>How often this node stores its own records again; holders keep a record 36 h after receiving it.</summary>
    public int KadRecordRepublishIntervalSecs { get; init; } = 12 * 3600;

    /// <summary>How often this node renews its provider records; a provider record is valid 48 h.</summary>
    public int KadProviderRepublishIntervalSecs { get; init; } = 22 * 3600;
}
