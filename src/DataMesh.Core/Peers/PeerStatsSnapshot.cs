using DataMesh.Libp2p.Identity;

namespace DataMesh.Core.Peers;

/// <summary>
/// What this node has observed of one peer, at one moment. Immutable, so it can be sorted and formatted freely
/// (<c>Get-DataMeshPeerStats | Sort Latency</c>).
/// </summary>
/// <param name="Latency">Exponentially weighted moving average of successful request latency.</param>
/// <param name="SuccessRate">Successes over all completed requests (0 when none completed).</param>
/// <param name="Throughput">Moving average of bytes per second over successful transfers.</param>
/// <param name="BannedUntil">When a current ban ends; null when the peer is not banned.</param>
public sealed record PeerStatsSnapshot(
    PeerId PeerId,
    TimeSpan Latency,
    TimeSpan LatencyP50,
    TimeSpan LatencyP90,
    TimeSpan LatencyP99,
    double SuccessRate,
    long Requests,
    long Successes,
    long Failures,
    long Timeouts,
    long CorruptResponses,
    long BytesReceived,
    long BytesSent,
    double Throughput,
    DateTimeOffset LastSeen,
    bool IsResponsive,
    DateTimeOffset? BannedUntil);
