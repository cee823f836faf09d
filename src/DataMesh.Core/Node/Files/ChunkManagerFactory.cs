using DataMesh.Core.Configuration;
using DataMesh.Core.Peers;
using DataMesh.Core.Transfers;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Node.Files;

/// <summary>Makes the chunk managers the file services work with: the node's network and peer statistics, the
/// configured transfer options with a call's own limits. Shards are stored (and looked for) in
/// <see cref="DataMeshOptionsMapping.ShardCopies"/> copies unless a call says otherwise.</summary>
internal sealed class ChunkManagerFactory(IShardNetwork network, PeerStatistics statistics, DataMeshOptions options, TimeProvider time,
    ILoggerFactory loggerFactory)
{
    public IShardNetwork Network { get; } = network;

    public ConcurrentChunkManager Create(int? maxUploads = null, int? maxRetrievals = null, int? replicationFactor = null)
    {
        ChunkTransferOptions configured = options.ToChunkTransferOptions();
        ChunkTransferOptions transfer = configured with
        {
            MaxConcurrentUploads = maxUploads ?? configured.MaxConcurrentUploads,
            MaxConcurrentRetrievals = maxRetrievals ?? configured.MaxConcurrentRetrievals,
            ReplicationFactor = replicationFactor ?? options.ShardCopies(),
        };
        return new ConcurrentChunkManager(Network, statistics, transfer, time, loggerFactory.CreateLogger<ConcurrentChunkManager>());
    }
}
