using DataMesh.Core.Durability;

namespace DataMesh.Core.Configuration;

/// <summary>The table of every configuration key DataMesh knows. Anything else in a config file is an error.</summary>
public static class ConfigurationKeys
{
    private const string Network = "network";
    private const string Storage = "storage";
    private const string Chunks = "performance.chunks";
    private const string Security = "security";
    private const string Maintenance = "maintenance";

    /// <summary>Every key, in the order of config.toml.</summary>
    public static IReadOnlyList<ConfigurationKey> All { get; } =
    [
        new ConfigurationKey<IReadOnlyList<string>>(Network, "listen_addresses", "Multiaddrs the node listens on.", "DATAMESH_LISTEN_ADDRESSES",
            new StringListCodec("multiaddr", 32, a => MultiaddrShape.Check(a, requirePeerId: false)),
            o => o.Network.ListenAddresses, (o, v) => o with { Network = o.Network with { ListenAddresses = v } }),
        new ConfigurationKey<IReadOnlyList<string>>(Network, "bootstrap_nodes", "Multiaddrs with /p2p/<peer id> dialled at start-up to join the network.", "DATAMESH_BOOTSTRAP",
            new StringListCodec("multiaddr", 256, a => MultiaddrShape.Check(a, requirePeerId: true)),
            o => o.Network.BootstrapNodes, (o, v) => o with { Network = o.Network with { BootstrapNodes = v } }),
        new ConfigurationKey<int>(Network, "replication_factor", "Copies of each shard with a fixed layout (data_shards/parity_shards); a holder lookup gathers twice as many providers. Policy layouts store each shard once.", "DATAMESH_REPLICATION_FACTOR",
            new IntegerCodec<int>(1, 64),
            o => o.Network.ReplicationFactor, (o, v) => o with { Network = o.Network with { ReplicationFactor = v } }),
        new ConfigurationKey<string>(Network, "kad_protocol", "Kademlia protocol id; only peers using the same id share a DHT.", null,
            new StringCodec("a protocol id such as \"/datamesh/kad/1.0.0\"", CheckProtocolId),
            o => o.Network.KadProtocol, (o, v) => o with { Network = o.Network with { KadProtocol = v } }),
        new ConfigurationKey<int>(Network, "max_connections", "Upper bound on simultaneous connections.", "DATAMESH_MAX_CONNECTIONS",
            new IntegerCodec<int>(1, 65536),
            o => o.Network.MaxConnections, (o, v) => o with { Network = o.Network with { MaxConnections = v } }),
        new ConfigurationKey<int>(Network, "connect_timeout_secs", "Seconds allowed to dial and upgrade one connection.", null,
            new IntegerCodec<int>(1, 600),
            o => o.Network.ConnectTimeoutSecs, (o, v) => o with { Network = o.Network with { ConnectTimeoutSecs = v } }),
        new ConfigurationKey<DhtMode>(Network, "dht_mode", "DHT role: server, client, or auto (server when the node stores shards).", "DATAMESH_DHT_MODE",
            new EnumCodec<DhtMode>(),
            o => o.Network.DhtMode, (o, v) => o with { Network = o.Network with { DhtMode = v } }),
        new ConfigurationKey<int>(Network, "kad_bucket_size", "Kademlia k: bucket size, record replicas and peers a lookup converges on.", null,
            new IntegerCodec<int>(2, 64),
            o => o.Network.KadBucketSize, (o, v) => o with { Network = o.Network with { KadBucketSize = v } }),
        new ConfigurationKey<int>(Network, "kad_alpha", "Kademlia alpha: lookup requests in flight at once.", null,
            new IntegerCodec<int>(1, 16),
            o => o.Network.KadAlpha, (o, v) => o with { Network = o.Network with { KadAlpha = v } }),
        new ConfigurationKey<int>(Network, "kad_request_timeout_secs", "Seconds one DHT request may take before it counts as failed.", null,
            new IntegerCodec<int>(1, 120),
            o => o.Network.KadRequestTimeoutSecs, (o, v) => o with { Network = o.Network with { KadRequestTimeoutSecs = v } }),
        new ConfigurationKey<int>(Network, "kad_maintenance_interval_secs", "Seconds between DHT maintenance ticks (expiry, refresh, random walk, republish).", null,
            new IntegerCodec<int>(1, 3600),
            o => o.Network.KadMaintenanceIntervalSecs, (o, v) => o with { Network = o.Network with { KadMaintenanceIntervalSecs = v } }),
        new ConfigurationKey<int>(Network, "kad_refresh_interval_secs", "Seconds between self-lookups; buckets untouched this long are refreshed.", null,
            new IntegerCodec<int>(10, 86400),
            o => o.Network.KadRefreshIntervalSecs, (o, v) => o with { Network = o.Network with { KadRefreshIntervalSecs = v } }),
        new ConfigurationKey<int>(Network, "kad_random_walk_interval_secs", "Seconds between random-walk lookups that discover new peers.", null,
            new IntegerCodec<int>(10, 86400),
            o => o.Network.KadRandomWalkIntervalSecs, (o, v) => o with { Network = o.Network with { KadRandomWalkIntervalSecs = v } }),
        new ConfigurationKey<int>(Network, "kad_record_republish_interval_secs", "Seconds between republishing this node's DHT records (holders keep them 36 h).", null,
            new IntegerCodec<int>(60, 86400),
            o => o.Network.KadRecordRepublishIntervalSecs, (o, v) => o with { Network = o.Network with { KadRecordRepublishIntervalSecs = v } }),
        new ConfigurationKey<int>(Network, "kad_provider_republish_interval_secs", "Seconds between renewing this node's provider records (valid 48 h).", null,
            new IntegerCodec<int>(60, 144000),
            o => o.Network.KadProviderRepublishIntervalSecs, (o, v) => o with { Network = o.Network with { KadProviderRepublishIntervalSecs = v } }),

        new ConfigurationKey<string>(Storage, "data_dir", "Folder for the chunk store, manifests and node identity.", "DATAMESH_DATA_DIR",
            new PathCodec(),
            o => o.Storage.DataDir, (o, v) => o with { Storage = o.Storage with { DataDir = v } }),
        new ConfigurationKey<int>(Storage, "chunk_size", "Plaintext bytes per chunk.", "DATAMESH_CHUNK_SIZE",
            new IntegerCodec<int>(StorageOptions.MinChunkSize, StorageOptions.MaxChunkSize),
            o => o.Storage.ChunkSize, (o, v) => o with { Storage = o.Storage with { ChunkSize = v } }),
        new ConfigurationKey<int>(Storage, "tolerated_node_failures", "Storage nodes that may be lost at once while every file stays readable; each send chooses its layout from it.", "DATAMESH_TOLERATED_NODE_FAILURES",
            new IntegerCodec<int>(0, LayoutPolicy.MaxToleratedFailures),
            o => o.Storage.ToleratedNodeFailures, (o, v) => o with { Storage = o.Storage with { ToleratedNodeFailures = v } }),
        new ConfigurationKey<int>(Storage, "data_shards", "Data shards per stripe of a fixed layout, with parity_shards; 0: chosen per file from tolerated_node_failures.", null,
            new IntegerCodec<int>(0, ConfigurationRules.MaxTotalShards - 1),
            o => o.Storage.DataShards, (o, v) => o with { Storage = o.Storage with { DataShards = v } }),
        new ConfigurationKey<int>(Storage, "parity_shards", "Parity shards per stripe of a fixed layout, with data_shards; 0: chosen per file from tolerated_node_failures.", null,
            new IntegerCodec<int>(0, ConfigurationRules.MaxTotalShards - 1),
            o => o.Storage.ParityShards, (o, v) => o with { Storage = o.Storage with { ParityShards = v } }),
        new ConfigurationKey<long>(Storage, "max_storage_bytes", "Disk budget for shards stored for the network.", "DATAMESH_MAX_STORAGE_BYTES",
            new IntegerCodec<long>(16L * 1024 * 1024, long.MaxValue),
            o => o.Storage.MaxStorageBytes, (o, v) => o with { Storage = o.Storage with { MaxStorageBytes = v } }),
        new ConfigurationKey<bool>(Storage, "storage_enabled", "Store and serve shards for other peers.", "DATAMESH_STORAGE_ENABLED",
            new BooleanCodec(),
            o => o.Storage.StorageEnabled, (o, v) => o with { Storage = o.Storage with { StorageEnabled = v } }),
        new ConfigurationKey<bool>(Storage, "group_commit", "Make concurrent shard writes durable together (one file-system sync) instead of one fsync per shard.", null,
            new BooleanCodec(),
            o => o.Storage.GroupCommit, (o, v) => o with { Storage = o.Storage with { GroupCommit = v } }),

        new ConfigurationKey<int>(Chunks, "max_concurrent_retrievals", "Chunks fetched at the same time per download.", "DATAMESH_MAX_CONCURRENT_RETRIEVALS",
            new IntegerCodec<int>(1, 256),
            o => o.Performance.Chunks.MaxConcurrentRetrievals, (o, v) => WithChunks(o, o.Performance.Chunks with { MaxConcurrentRetrievals = v })),
        new ConfigurationKey<int>(Chunks, "max_concurrent_uploads", "Chunks stored at the same time per upload.", "DATAMESH_MAX_CONCURRENT_UPLOADS",
            new IntegerCodec<int>(1, 256),
            o => o.Performance.Chunks.MaxConcurrentUploads, (o, v) => WithChunks(o, o.Performance.Chunks with { MaxConcurrentUploads = v })),
        new ConfigurationKey<int>(Chunks, "chunk_timeout_secs", "Seconds allowed for one chunk transfer before it is retried elsewhere.", "DATAMESH_CHUNK_TIMEOUT_SECS",
            new IntegerCodec<int>(1, 3600),
            o => o.Performance.Chunks.ChunkTimeoutSecs, (o, v) => WithChunks(o, o.Performance.Chunks with { ChunkTimeoutSecs = v })),
        new ConfigurationKey<int>(Chunks, "retry_failed_chunks", "Retries of a failed chunk before the transfer fails.", "DATAMESH_RETRY_FAILED_CHUNKS",
            new IntegerCodec<int>(0, 100),
            o => o.Performance.Chunks.RetryFailedChunks, (o, v) => WithChunks(o, o.Performance.Chunks with { RetryFailedChunks = v })),
        new ConfigurationKey<bool>(Chunks, "prefer_fast_peers", "Ask the peers with the best measured latency and throughput first.", null,
            new BooleanCodec(),
            o => o.Performance.Chunks.PreferFastPeers, (o, v) => WithChunks(o, o.Performance.Chunks with { PreferFastPeers = v })),
        new ConfigurationKey<int>(Chunks, "peer_response_timeout_secs", "Seconds a peer has to start answering before it counts as slow.", null,
            new IntegerCodec<int>(1, 600),
            o => o.Performance.Chunks.PeerResponseTimeoutSecs, (o, v) => WithChunks(o, o.Performance.Chunks with { PeerResponseTimeoutSecs = v })),

        new ConfigurationKey<bool>(Security, "require_passphrase", "Refuse to create or open keys without a passphrase.", "DATAMESH_REQUIRE_PASSPHRASE",
            new BooleanCodec(),
            o => o.Security.RequirePassphrase, (o, v) => o with { Security = o.Security with { RequirePassphrase = v } }),
        new ConfigurationKey<IReadOnlyList<string>>(Security, "allowed_record_namespaces", "DHT record namespaces (/<ns>/...) this node stores for others.", null,
            new StringListCodec("namespace", 32, CheckNamespace),
            o => o.Security.AllowedRecordNamespaces, (o, v) => o with { Security = o.Security with { AllowedRecordNamespaces = v } }),

        new ConfigurationKey<bool>(Maintenance, "enabled", "Service nodes (Start-DataMeshNode -Wait) check and repair their catalog's files on a schedule.", "DATAMESH_MAINTENANCE_ENABLED",
            new BooleanCodec(),
            o => o.Maintenance.Enabled, (o, v) => o with { Maintenance = o.Maintenance with { Enabled = v } }),
        new ConfigurationKey<int>(Maintenance, "check_interval_secs", "Seconds between two scheduled checks of the catalog's files.", null,
            new IntegerCodec<int>(MaintenanceOptions.MinCheckIntervalSecs, MaintenanceOptions.MaxCheckIntervalSecs),
            o => o.Maintenance.CheckIntervalSecs, (o, v) => o with { Maintenance = o.Maintenance with { CheckIntervalSecs = v } }),
        new ConfigurationKey<int>(Maintenance, "files_per_run", "Files checked per scheduled run at most; the next run goes on from there.", null,
            new IntegerCodec<int>(1, MaintenanceOptions.MaxFilesPerRun),
            o => o.Maintenance.FilesPerRun, (o, v) => o with { Maintenance = o.Maintenance with { FilesPerRun = v } }),
    ];

    /// <summary>Every table name that may appear in a config file, including parents such as <c>performance</c>.</summary>
    public static IReadOnlyList<string> Sections { get; } = All
        .Select(k => k.Section)
        .SelectMany(section => section.Split('.').Select((_, i) => string.Join('.', section.Split('.').Take(i + 1))))
        .Distinct(StringComparer.Ordinal)
        .ToArray();

    private static readonly Dictionary<string, ConfigurationKey> ByName = All.ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>Finds a key by its exact full name (TOML keys are case-sensitive).</summary>
    public static bool TryGet(string name, out ConfigurationKey key) => ByName.TryGetValue(name, out key!);

    /// <summary>Finds a key by full name for hosts, ignoring case.</summary>
    /// <exception cref="ConfigurationException">No such key (kind <see cref="ConfigurationErrorKind.UnknownKey"/>).</exception>
    public static ConfigurationKey Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(k => string.Equals(k.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new ConfigurationException(ConfigurationErrorKind.UnknownKey,
                "is not a configuration key; known keys: " + string.Join(", ", All.Select(k => k.Name)), name);
    }

    private static DataMeshOptions WithChunks(DataMeshOptions options, ChunkPerformanceOptions chunks) =>
        options with { Performance = options.Performance with { Chunks = chunks } };

    private static string? CheckProtocolId(string id) =>
        id.Length is > 1 and <= 256 && id[0] == '/' && !id.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))
            ? null
            : "must start with '/' and contain no white space, e.g. \"/datamesh/kad/1.0.0\"";

    // A namespace is only useful with a validator for it: a DHT node must never store records it cannot check.
    private static string? CheckNamespace(string ns) =>
        DhtRecordNamespaces.Known.Contains(ns, StringComparer.Ordinal)
            ? null
            : $"is not a record namespace DataMesh can validate (known: {string.Join(", ", DhtRecordNamespaces.Known.Select(n => $"\"{n}\""))})";
}
