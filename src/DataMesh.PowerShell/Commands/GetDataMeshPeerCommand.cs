using System.Management.Automation;
using DataMesh.Core.Node;
using DataMesh.PowerShell.Output;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>Lists the peers the node is connected to, with what they said about themselves in Identify; with
/// -RoutingTable, the peers of the DHT routing table instead, connected or not.</summary>
[Cmdlet(VerbsCommon.Get, "DataMeshPeer")]
[OutputType(typeof(DataMeshPeerInfo))]
public sealed class GetDataMeshPeerCommand : DataMeshSessionCmdlet
{
    /// <summary>Only these peers (wildcards allowed); Tab completes known peer ids.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.PeerIdCompleter))]
    public string[]? PeerId { get; set; }

    private bool Selected(string peerId) => PeerId is null || PeerId.Any(p => WildcardPattern.Get(p, WildcardOptions.None).IsMatch(peerId));

    /// <summary>List the DHT routing table's peers (each with Connected and Bucket) instead of the open connections.</summary>
    [Parameter]
    public SwitchParameter RoutingTable { get; set; }

    protected override void EndProcessing()
    {
        DataMeshSession session = ResolveSession();
        FlushLog(session.Log);
        if (RoutingTable)
        {
            foreach (RoutingTablePeerView peer in session.Node.GetRoutingTablePeers().Where(p => Selected(p.PeerId)))
            {
                WriteObject(new DataMeshPeerInfo
                {
                    PeerId = peer.PeerId,
                    Connected = peer.Connection is not null,
                    InRoutingTable = true,
                    Bucket = peer.Bucket,
                    RemoteAddress = peer.Connection?.RemoteAddress,
                    Addresses = [.. peer.Addresses],
                    AgentVersion = peer.AgentVersion,
                    Protocols = [.. peer.Protocols],
                    Direction = peer.Connection?.Direction,
                    ConnectedSince = peer.Connection?.OpenedAt,
                });
            }
        }
        else
        {
            Dictionary<string, int?> buckets = session.Node.GetRoutingTablePeers().ToDictionary(p => p.PeerId, p => p.Bucket, StringComparer.Ordinal);
            foreach (ConnectedPeerView peer in session.Node.GetConnectedPeers().Where(p => Selected(p.PeerId)))
            {
                WriteObject(new DataMeshPeerInfo
                {
                    PeerId = peer.PeerId,
                    Connected = true,
                    InRoutingTable = buckets.ContainsKey(peer.PeerId),
                    Bucket = buckets.GetValueOrDefault(peer.PeerId),
                    RemoteAddress = peer.RemoteAddress,
                    Addresses = [.. peer.ListenAddresses],
                    AgentVersion = peer.AgentVersion,
                    Protocols = [.. peer.Protocols],
                    Direction = peer.Direction,
                    ConnectedSince = peer.OpenedAt,
                });
            }
        }
        base.EndProcessing();
    }
}
