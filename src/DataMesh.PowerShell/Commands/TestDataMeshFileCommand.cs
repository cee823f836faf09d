using System.Management.Automation;
using DataMesh.PowerShell.Output;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>
/// Checks a file's availability: asks the peers that may hold them which of the file's shards they have (the chunk
/// protocol's Have request) and reports, per stripe, how many shards are reachable and on how many peers, and how many
/// storage node losses the file survives now (ToleratedFailures, counted as a matching of shards to distinct live
/// holders) beside what it should survive (TargetFailures: storage.tolerated_node_failures, capped by what the live
/// storage peers allow). Keys bind
/// from the pipeline (<c>Get-DataMeshFile | Test-DataMeshFile</c>). Reads nothing but the manifest; changes nothing.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "DataMeshFile")]
[OutputType(typeof(DataMeshFileHealth))]
public sealed class TestDataMeshFileCommand : DataMeshSessionCmdlet
{
    /// <summary>File keys ("dm1…") from Send-DataMeshFile or Get-DataMeshFile.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.FileKeyCompleter))]
    public string[] FileKey { get; set; } = [];

    /// <summary>A stripe or file that survives fewer than this many node losses is reported AtRisk.</summary>
    [Parameter]
    [ValidateRange(0, 128)]
    public int SafetyMargin { get; set; } = 1;

    protected override void ProcessRecord()
    {
        DataMeshSession session = ResolveSession();
        foreach (string key in FileKey)
        {
            if (TryFileRequest(session, key, ct => session.Node.TestFileAsync(key, SafetyMargin, ct), ErrorIds.TestFailed, ErrorCategory.ReadError) is not { } health)
            {
                continue;
            }
            WriteObject(MaintenanceOutputMapping.ToOutput(health));
        }
    }
}
