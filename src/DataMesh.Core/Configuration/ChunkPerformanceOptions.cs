namespace DataMesh.Core.Configuration;

/// <summary>The <c>[performance.chunks]</c> section: how the concurrent chunk manager schedules transfers.</summary>
public sealed record ChunkPerformanceOptions
{
    /// <summary>Chunks fetched at the same time per download.</summary>
    public int MaxConcurrentRetrievals { get; init; } = 8;

    /// <summary>Chunks stored at the same time per upload (see <see cref="Transfers.ChunkTransferOptions.MaxConcurrentUploads"/> for the default).</summary>
    public int MaxConcurrentUploads { get; init; } = 12;

    /// <summary>Time allowed for one chunk transfer before it is retried elsewhere.</summary>
    public int ChunkTimeoutSecs { get; init; } = 10;

    /// <summary>How many times a failed chunk is retried (from other peers) before the transfer fails.</summary>
    public int RetryFailedChunks { get; init; } = 3;

    /// <summary>Ask the peers with the best measured latency and throughput first.</summary>
    public bool PreferFastPeers { get; init; } = true;

    /// <summary>Time a peer has to start answering a request before it counts as slow.</summary>
    public int PeerResponseTimeoutSecs { get; init; } = 5;
}

/// <summary>The <c>[performance]</c> section.</summary>
public sealed record PerformanceOptions
{
    public ChunkPerformanceOptions Chunks { get; init; } = new();
}
