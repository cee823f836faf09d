using System.Management.Automation;
using DataMesh.Core.Node;
using DataMesh.PowerShell.Output;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>Dials a peer (or reuses the connection) and pings it over libp2p ping: one result per round trip.</summary>
[Cmdlet(VerbsDiagnostic.Test, "DataMeshPeer")]
[OutputType(typeof(DataMeshPingResult))]
public sealed class TestDataMeshPeerCommand : DataMeshSessionCmdlet
{
    /// <summary>The peer's multiaddr, e.g. /ip4/127.0.0.1/tcp/4001/p2p/12D3Koo… (the /p2p part is optional).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("DialAddresses")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.PeerAddressCompleter))]
    public string[] Address { get; set; } = [];

    /// <summary>How many pings to send to each address.</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int Count { get; set; } = 1;

    protected override void ProcessRecord()
    {
        DataMeshSession session = ResolveSession();
        foreach (string address in Address)
        {
            for (int i = 0; i < Count; i++)
            {
                PingReply reply;
                try
                {
                    reply = WaitFor(session.Node.PingAsync(address, CancelToken), session.Log);
                }
                catch (NodeRequestException error)
                {
                    WriteError(ToErrorRecord(error, address, ErrorIds.PeerUnreachable));
                    break;
                }
                WriteObject(new DataMeshPingResult { PeerId = reply.PeerId, Address = reply.Address, Rtt = reply.RoundTrip });
            }
        }
    }
}
