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
}
