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
    int HedgesWon)
{
    /// <summary>The peers with requests in flight, busiest first, at most <paramref name="count"/>, by peer id text
    /// (what a display needs, without the network layer's types).</summary>
    public IReadOnlyList<(string PeerId, int Active)> BusiestPeers(int count) =>
        [.. ActiveByPeer.Where(p => p.Value > 0).OrderByDescending(p => p.Value).Take(count).Select(p => (p.Key.ToString(), p.Value))];
}

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
