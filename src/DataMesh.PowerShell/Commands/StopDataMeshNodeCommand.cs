using System.Management.Automation;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>Stops nodes: the default one, the -Session given, or those piped in (Get-DataMeshNode | Stop-DataMeshNode).</summary>
[Cmdlet(VerbsLifecycle.Stop, "DataMeshNode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(void))]
public sealed class StopDataMeshNodeCommand : DataMeshCmdlet
{
    /// <summary>The sessions to stop (or node objects, whose Session property binds).</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SessionTransformation]
    [ValidateNotNull]
    public DataMeshSession[]? Session { get; set; }

    private bool _sawInput;

    protected override void ProcessRecord()
    {
        if (Session is null)
        {
            return;
        }
        _sawInput = true;
        foreach (DataMeshSession session in Session)
        {
            Stop(session);
        }
    }

    protected override void EndProcessing()
    {
        if (!_sawInput && !MyInvocation.ExpectingInput)
        {
            if (SessionRegistry.Default is { } session)
            {
                Stop(session);
            }
            else
            {
                WriteError(new ErrorRecord(new InvalidOperationException("No DataMesh node is running in this session."),
                    ErrorIds.SessionNotFound, ErrorCategory.ObjectNotFound, null));
            }
        }
        base.EndProcessing();
    }

    private void Stop(DataMeshSession session)
    {
        if (!ShouldProcess(session.ToString(), "Stop DataMesh node"))
        {
            return;
        }
        SessionRegistry.Remove(session);
        WaitFor(session.StopAsync(), session.Log);
        WriteVerbose($"Stopped {session}.");
    }
}
