using System.Management.Automation;
using DataMesh.PowerShell.Output;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>
/// Restores a file's durability: shards that no reachable peer holds are rebuilt from the surviving shards of their
/// stripe with Reed-Solomon and stored, on peers holding none of that stripe first; while a stripe survives fewer node
/// losses than the target (TargetFailures), its shards get peers of their own; the manifest gets copies up to the
/// target + 1. Reports what it did and the tolerance it achieved; a file it cannot bring back to Healthy is a
/// non-terminating error after the report.
/// </summary>
[Cmdlet(VerbsDiagnostic.Repair, "DataMeshFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(DataMeshFileRepair))]
public sealed class RepairDataMeshFileCommand : DataMeshSessionCmdlet
{
    /// <summary>File keys ("dm1…") from Send-DataMeshFile, Get-DataMeshFile or Test-DataMeshFile.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.FileKeyCompleter))]
    public string[] FileKey { get; set; } = [];

    /// <summary>The margin used to classify stripes in the report (as for Test-DataMeshFile).</summary>
    [Parameter]
    [ValidateRange(0, 128)]
    public int SafetyMargin { get; set; } = 1;

    protected override void ProcessRecord()
    {
        DataMeshSession session = ResolveSession();
        foreach (string key in FileKey)
        {
            if (!ShouldProcess(key, "Rebuild missing shards and place shards on further peers up to the target tolerance"))
            {
                continue;
            }
            if (TryFileRequest(session, key, ct => session.Node.RepairFileAsync(key, SafetyMargin, ct), ErrorIds.RepairIncomplete, ErrorCategory.WriteError) is not { } repair)
            {
                continue;
            }
            DataMeshFileRepair output = MaintenanceOutputMapping.ToOutput(repair);
            WriteObject(output);
            if (output.StatusAfter != nameof(DataMeshHealthStatus.Healthy))
            {
                string detail = output.Problems.Length > 0 ? string.Join("; ", output.Problems) : "some shards still have too few holders";
                WriteError(new ErrorRecord(new InvalidOperationException($"{key} is {output.StatusAfter} after the repair: {detail}."),
                    ErrorIds.RepairIncomplete, ErrorCategory.ResourceUnavailable, key));
            }
        }
    }
}
