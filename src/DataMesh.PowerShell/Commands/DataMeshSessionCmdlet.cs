using System.Management.Automation;
using DataMesh.Core;
using DataMesh.Core.Node;
using DataMesh.Core.Transfers;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>Base of the cmdlets that work through one node, chosen with -Session.</summary>
public abstract class DataMeshSessionCmdlet : DataMeshNodeCmdlet
{
    /// <summary>The node to use (a session, or a node object from Start-DataMeshNode / Get-DataMeshNode).</summary>
    [Parameter]
    [SessionTransformation]
    [ValidateNotNull]
    public DataMeshSession? Session { get; set; }

    /// <summary>-Session, else the default session, else a new client-mode session.</summary>
    private protected DataMeshSession ResolveSession() => ResolveSession(Session);

    /// <summary>Runs one per-file request on <paramref name="session"/>'s node and waits for it. A failure becomes a
    /// non-terminating error for that file (a typed node error through its stable id, any other DataMesh error under
    /// <paramref name="failedId"/> and <paramref name="failedCategory"/>) and null is returned, so the cmdlet goes on
    /// with its next file key.</summary>
    private protected T? TryFileRequest<T>(DataMeshSession session, string fileKey, Func<CancellationToken, Task<T>> request,
        string failedId, ErrorCategory failedCategory) where T : class
    {
        try
        {
            return WaitFor(request(CancelToken), session.Log);
        }
        catch (NodeRequestException error)
        {
            WriteError(ToErrorRecord(error, fileKey, failedId));
        }
        catch (DataMeshException error)
        {
            WriteError(new ErrorRecord(error, failedId, failedCategory, fileKey));
        }
        return null;
    }

    /// <summary>Runs a transfer on <paramref name="session"/>'s node and waits for it on the pipeline thread, writing
    /// its throttled progress bars while it runs and closing them when it ends, however it ends.</summary>
    private protected T WaitForTransfer<T>(DataMeshSession session, string activity, Func<IProgress<TransferProgress>, Task<T>> start)
    {
        var progress = new TransferProgressReporter(activity);
        try
        {
            return WaitFor(start(progress), session.Log, () =>
            {
                foreach (ProgressRecord record in progress.Next())
                {
                    WriteProgress(record);
                }
            });
        }
        finally
        {
            foreach (ProgressRecord done in progress.Completed())
            {
                WriteProgress(done);
            }
        }
    }
}
