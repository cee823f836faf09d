using System.Management.Automation;
using DataMesh.Core.Node;
using DataMesh.PowerShell.Output;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>Reads the newest valid version of a signed DHT record.</summary>
[Cmdlet(VerbsCommon.Get, "DataMeshRecord")]
[OutputType(typeof(DataMeshRecord))]
public sealed class GetDataMeshRecordCommand : DataMeshSessionCmdlet
{
    /// <summary>A full key /dm/&lt;publisher peer id&gt;/&lt;name&gt;, or a name published by -Publisher.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Key { get; set; } = string.Empty;

    /// <summary>The publishing peer id when -Key is a name; default: this node.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.PeerIdCompleter))]
    public string? Publisher { get; set; }

    protected override void ProcessRecord()
    {
        DataMeshSession session = ResolveSession();
        DhtRecordView found;
        try
        {
            found = WaitFor(session.Node.GetRecordAsync(Key, Publisher, CancelToken), session.Log);
        }
        catch (NodeRequestException error)
        {
            WriteError(DhtErrorRecords.From(error, Key, ErrorIds.RecordNotFound));
            return;
        }
        WriteObject(RecordOutput.From(found));
    }
}
