using System.Management.Automation;
using DataMesh.Core.Node;
using DataMesh.PowerShell.Output;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>Finds a peer's addresses through the DHT: from an open connection or the address book, else by a lookup.</summary>
[Cmdlet(VerbsCommon.Find, "DataMeshPeer")]
[OutputType(typeof(DataMeshDhtPeer))]
public sealed class FindDataMeshPeerCommand : DataMeshSessionCmdlet
{
    /// <summary>The peer ids to find (base58, e.g. 12D3KooW…).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.PeerIdCompleter))]
    public string[] PeerId { get; set; } = [];

    protected override void ProcessRecord()
    {
        DataMeshSession session = ResolveSession();
        foreach (string id in PeerId)
        {
            DhtPeerView found;
            try
            {
                found = WaitFor(session.Node.FindPeerAsync(id, CancelToken), session.Log);
            }
            catch (NodeRequestException error)
            {
                WriteError(DhtErrorRecords.From(error, id, ErrorIds.PeerNotFound));
                continue;
            }
            WriteObject(new DataMeshDhtPeer
            {
                PeerId = found.PeerId,
                Addresses = [.. found.Addresses],
                DialAddresses = [.. found.Addresses.Select(a => $"{a}/p2p/{found.PeerId}")],
                Connected = found.Connected,
                InRoutingTable = found.InRoutingTable,
            });
        }
    }
}
