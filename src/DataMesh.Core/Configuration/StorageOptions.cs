namespace DataMesh.Core.Configuration;

/// <summary>The <c>[storage]</c> section: where shards live, how files are cut and coded, how much disk to use.</summary>
public sealed record StorageOptions
{
    public const int MinChunkSize = 64 * 1024;
    public const int MaxChunkSize = 4 * 1024 * 1024;

    /// <summary>Folder for the chunk store, manifests and the node identity. Defaults to the user's data folder.</summary>
    public string DataDir { get; init; } = ConfigurationEnvironment.Process.DefaultDataDirectory;

    /// <summary>Plaintext bytes per chunk before encryption and erasure coding.</summary>
    public int ChunkSize { get; init; } = 1024 * 1024;

    /// <summary>Reed-Solomon data shards per chunk.</summary>
    public int DataShards { get; init; } = 8;

    /// <summary>Reed-Solomon parity shards per chunk (how many shards may be lost).</summary>
    public int ParityShards { get; init; } = 4;

    /// <summary>How many storage nodes may be lost at once while every file stays readable (the durability target).</summary>
    public int ToleratedNodeFailures { get; init; } = 2;

    /// <summary>Disk budget for shards stored on behalf of the network.</summary>
    public long MaxStorageBytes { get; init; } = 10L * 1024 * 1024 * 1024;

    /// <summary>Whether this node stores and serves shards for other peers.</summary>
    public bool StorageEnabled { get; init; } = true;

    /// <summary>Whether concurrent shard writes share durability barriers (a file-system sync, Linux) instead of one
    /// fsync per shard file and folder. Either way a write is acknowledged only once durable; turn it off on a volume
    /// shared with heavy writers, whose dirty data each shared sync would also write back.</summary>
    public bool GroupCommit { get; init; } = true;
}
