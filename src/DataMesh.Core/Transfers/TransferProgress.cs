using DataMesh.Libp2p.Identity;

namespace DataMesh.Core.Transfers;

/// <summary>
/// Where a transfer stands. Raised once per completed shard (never per byte); throttling for display is the UI's job.
/// </summary>
/// <param name="TotalBytes">Null when the total is not known in advance (a streamed upload without totals).</param>
/// <param name="ActiveByPeer">Requests in flight per peer, at the moment of the report.</param>
public sealed record TransferProgress(
    long BytesDone,
    long? TotalBytes,
    int ShardsDone,
    int? TotalShards,
    int ActiveRequests,
    IReadOnlyDictionary<PeerId, int> ActiveByPeer,
    int Retries,
    int HedgesFired,
    int HedgesWon);

/// <summary>Summary of one upload or retrieval.</summary>
/// <param name="FastestPeer">The peer with the highest observed throughput in this operation (null if none served).</param>
public sealed record TransferStatistics(
    int Shards,
    long Bytes,
    TimeSpan Duration,
    int Requests,
    int Retries,
    int HedgesFired,
    int HedgesWon,
    PeerId? FastestPeer,
    PeerId? SlowestPeer);
