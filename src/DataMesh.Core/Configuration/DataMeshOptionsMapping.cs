using DataMesh.Core.Durability;
using DataMesh.Core.Transfers;

namespace DataMesh.Core.Configuration;

/// <summary>Turns the configuration into the settings records of the components that use it.</summary>
internal static class DataMeshOptionsMapping
{
    /// <summary>
    /// The concurrent chunk manager's settings: <c>[performance.chunks]</c> plus <c>[network] replication_factor</c>;
    /// the knobs config.toml does not expose (hedging, backoff) keep their defaults.
    /// </summary>
    public static ChunkTransferOptions ToChunkTransferOptions(this DataMeshOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var chunks = options.Performance.Chunks;
        return new ChunkTransferOptions
        {
            MaxConcurrentRetrievals = chunks.MaxConcurrentRetrievals,
            MaxConcurrentUploads = chunks.MaxConcurrentUploads,
            ChunkTimeout = TimeSpan.FromSeconds(chunks.ChunkTimeoutSecs),
            RetryFailedChunks = chunks.RetryFailedChunks,
            PreferFastPeers = chunks.PreferFastPeers,
            PeerResponseTimeout = TimeSpan.FromSeconds(chunks.PeerResponseTimeoutSecs),
            ReplicationFactor = options.Network.ReplicationFactor,
        };
    }

    /// <summary>The layout <c>[storage]</c> data_shards/parity_shards fix for every file, each shard stored
    /// replication_factor times; null when the policy chooses per file (the default).</summary>
    public static ShardLayout? FixedLayout(this DataMeshOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        StorageOptions storage = options.Storage;
        return storage.HasFixedLayout ? new ShardLayout(storage.DataShards, storage.ParityShards, options.Network.ReplicationFactor) : null;
    }

    /// <summary>Copies of each shard uploads make and retrievals expect: replication_factor with a fixed layout, one
    /// with the policy (one shard of a stripe per node; tolerated_node_failures gives the redundancy).</summary>
    public static int ShardCopies(this DataMeshOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.FixedLayout()?.Copies ?? 1;
    }

    /// <summary>How many XOR-closest storage peers a holder lookup considers besides announced providers: every
    /// shard's copy of the widest stripe this configuration may produce sits among them (the policy's widest is
    /// <see cref="LayoutPolicy.MaxDataShards"/> + <see cref="LayoutPolicy.MaxToleratedFailures"/>), plus the spare
    /// placement peers fallbacks use.</summary>
    public static int HolderCandidates(this DataMeshOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int spare = options.ToChunkTransferOptions().SparePlacementPeers;
        return options.FixedLayout() is { } fixedLayout
            ? (fixedLayout.Width * fixedLayout.Copies) + spare
            : LayoutPolicy.MaxDataShards + LayoutPolicy.MaxToleratedFailures + spare;
    }
}
