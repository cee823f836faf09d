using DataMesh.Core.Configuration;

namespace DataMesh.Core.Tests.Configuration;

public sealed class DataMeshOptionsMappingTests
{
    [Fact]
    public void Chunk_transfer_options_come_from_performance_chunks_and_replication_factor()
    {
        using var sandbox = new ConfigurationSandbox();
        var options = ConfigurationLoader.FromToml("""
            [network]
            replication_factor = 5
            [performance.chunks]
            max_concurrent_retrievals = 12
            max_concurrent_uploads = 3
            chunk_timeout_secs = 20
            retry_failed_chunks = 1
            prefer_fast_peers = false
            peer_response_timeout_secs = 2
            """, Path.Combine(sandbox.Root, "c.toml"), sandbox.Environment()).Options;

        var transfer = options.ToChunkTransferOptions();

        Assert.Equal(12, transfer.MaxConcurrentRetrievals);
        Assert.Equal(3, transfer.MaxConcurrentUploads);
        Assert.Equal(TimeSpan.FromSeconds(20), transfer.ChunkTimeout);
        Assert.Equal(1, transfer.RetryFailedChunks);
        Assert.False(transfer.PreferFastPeers);
        Assert.Equal(TimeSpan.FromSeconds(2), transfer.PeerResponseTimeout);
        Assert.Equal(5, transfer.ReplicationFactor);
        transfer.Validate();
    }

    [Fact]
    public void Every_valid_extreme_of_the_config_ranges_is_valid_for_the_chunk_manager()
    {
        var low = new DataMeshOptions
        {
            Network = new NetworkOptions { ReplicationFactor = 1 },
            Performance = new PerformanceOptions { Chunks = new ChunkPerformanceOptions { MaxConcurrentRetrievals = 1, MaxConcurrentUploads = 1, ChunkTimeoutSecs = 1, RetryFailedChunks = 0, PeerResponseTimeoutSecs = 1 } },
        };
        var high = new DataMeshOptions
        {
            Network = new NetworkOptions { ReplicationFactor = 64 },
            Performance = new PerformanceOptions { Chunks = new ChunkPerformanceOptions { MaxConcurrentRetrievals = 256, MaxConcurrentUploads = 256, ChunkTimeoutSecs = 3600, RetryFailedChunks = 100, PeerResponseTimeoutSecs = 600 } },
        };
        low.ToChunkTransferOptions().Validate();
        high.ToChunkTransferOptions().Validate();
    }
}
