using System.Management.Automation;
using DataMesh.PowerShell.Output;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>
/// Deletes files this user owns from the mesh: every storage peer that may hold the manifest or a shard gets a delete
/// signed with the user's identity, which it checks against the manifest's owner; this node's own copies and the
/// catalog entry go too. Peers that do not answer keep their copies (each is a warning; run it again later).
/// </summary>
[Cmdlet(VerbsCommon.Remove, "DataMeshFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(DataMeshRemovedFile))]
public sealed class RemoveDataMeshFileCommand : DataMeshSessionCmdlet
{
    /// <summary>File keys ("dm1…") from Send-DataMeshFile or Get-DataMeshFile.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.FileKeyCompleter))]
    public string[] FileKey { get; set; } = [];

    /// <summary>Output what was deleted (by default Remove-DataMeshFile writes nothing).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        DataMeshSession session = ResolveSession();
        foreach (string key in FileKey)
        {
            if (!ShouldProcess(key, "Delete the file from the mesh and the catalog"))
            {
                continue;
            }
            if (TryFileRequest(session, key, ct => session.Node.RemoveFileAsync(key, ct), ErrorIds.RemoveFailed, ErrorCategory.WriteError) is not { } removal)
            {
                continue;
            }
            foreach (string problem in removal.Problems)
            {
                WriteWarning(problem);
            }
            if (removal.PeersAsked > 0 && removal.PeersConfirmed == 0)
            {
                WriteError(new ErrorRecord(new InvalidOperationException($"No peer accepted the delete of {key}; its copies remain."),
                    ErrorIds.RemoveFailed, ErrorCategory.ConnectionError, key));
            }
            if (PassThru)
            {
                WriteObject(MaintenanceOutputMapping.ToOutput(removal));
            }
        }
    }
}
