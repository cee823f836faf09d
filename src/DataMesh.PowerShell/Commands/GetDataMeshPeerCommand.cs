using System.Management.Automation;
using DataMesh.Core.Node;
using DataMesh.PowerShell.Output;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>Lists the peers the node is connected to, with what they said about themselves in Identify.</summary>
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

    protected override void EndProcessing()
    {
        DataMeshSession session = ResolveSession();
        FlushLog(session.Log);
        foreach (ConnectedPeerView peer in session.Node.GetConnectedPeers().Where(p => Selected(p.PeerId)))
        {
            WriteObject(new DataMeshPeerInfo
            {
                PeerId = peer.PeerId,
                RemoteAddress = peer.RemoteAddress,
                Addresses = [.. peer.ListenAddresses],
                AgentVersion = peer.AgentVersion,
                Protocols = [.. peer.Protocols],
                Direction = peer.Direction,
                ConnectedSince = peer.OpenedAt,
            });
        }
        base.EndProcessing();
    }
}
