using System.Management.Automation;
using DataMesh.Core.Node;
using DataMesh.Core.Peers;
using DataMesh.PowerShell.Output;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>What the node's transfers measured of each peer: latency, success rate, throughput. Sortable:
/// <c>Get-DataMeshPeerStats | Sort-Object Latency</c>.</summary>
[Cmdlet(VerbsCommon.Get, "DataMeshPeerStats")]
[OutputType(typeof(DataMeshPeerStats))]
public sealed class GetDataMeshPeerStatsCommand : DataMeshSessionCmdlet
{
    /// <summary>Only these peers (wildcards allowed); Tab completes known peer ids.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.PeerIdCompleter))]
    public string[]? PeerId { get; set; }

    private bool Selected(string peerId) => PeerId is null || PeerId.Any(p => WildcardPattern.Get(p, WildcardOptions.None).IsMatch(peerId));

    protected override void EndProcessing()
    {
        DataMeshSession session = ResolveSession();
        FlushLog(session.Log);
        foreach (PeerStatsView view in session.Node.GetPeerStatisticsText().Where(v => Selected(v.PeerId)))
        {
            PeerStatsSnapshot s = view.Statistics;
            WriteObject(new DataMeshPeerStats
            {
                PeerId = view.PeerId,
                Latency = s.Latency,
                LatencyP50 = s.LatencyP50,
                LatencyP90 = s.LatencyP90,
                LatencyP99 = s.LatencyP99,
                SuccessRate = s.SuccessRate,
                Requests = s.Requests,
                Successes = s.Successes,
                Failures = s.Failures,
                Timeouts = s.Timeouts,
                CorruptResponses = s.CorruptResponses,
                BytesReceived = s.BytesReceived,
                BytesSent = s.BytesSent,
                ThroughputMBps = Throughput.MegabytesPerSecond(s.Throughput),
                LastSeen = s.LastSeen,
                IsResponsive = s.IsResponsive,
                BannedUntil = s.BannedUntil,
            });
        }
        base.EndProcessing();
    }
}
