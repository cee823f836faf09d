using System.Management.Automation;
using DataMesh.Core;
using DataMesh.Core.Node;
using DataMesh.PowerShell.Output;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>
/// Fetches files from the mesh by key, rebuilds and verifies them, and writes them to -Destination. Keys bind from
/// the pipeline by property name (<c>Get-DataMeshFile | Receive-DataMeshFile</c>); a file that fails is a
/// non-terminating error.
/// </summary>
[Cmdlet(VerbsCommunications.Receive, "DataMeshFile")]
[OutputType(typeof(DataMeshReceivedFile))]
public sealed class ReceiveDataMeshFileCommand : DataMeshSessionCmdlet
{
    /// <summary>File keys ("dm1…") from Send-DataMeshFile or Get-DataMeshFile.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.FileKeyCompleter))]
    public string[] FileKey { get; set; } = [];

    /// <summary>A file path, or an existing folder to receive into under the stored name. Default: the current folder.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    /// <summary>Shard fetches in flight; overrides performance.chunks.max_concurrent_retrievals.</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int? MaxConcurrency { get; set; }

    /// <summary>Replace an existing destination file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        DataMeshSession session = ResolveSession();
        string destination = ResolveUserPath(Destination) ?? CurrentDirectory;
        foreach (string key in FileKey)
        {
            Receive(session, key, destination);
        }
    }

    private void Receive(DataMeshSession session, string key, string destination)
    {
        var progress = new TransferProgressReporter($"Receiving {key}");
        Action writeProgress = () =>
        {
            if (progress.Next() is { } record)
            {
                WriteProgress(record);
            }
        };
        var options = new ReceiveFileOptions { MaxConcurrency = MaxConcurrency, Overwrite = Force };
        ReceiveFileResult result;
        try
        {
            result = WaitFor(session.Node.ReceiveFileAsync(key, destination, options, progress, CancelToken), session.Log, writeProgress);
        }
        catch (NodeRequestException error)
        {
            WriteError(ToErrorRecord(error, key, ErrorIds.ReceiveFailed));
            return;
        }
        catch (FileNotFoundOnMeshException error)
        {
            WriteError(new ErrorRecord(error, ErrorIds.FileNotOnMesh, ErrorCategory.ObjectNotFound, key));
            return;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(error, ErrorIds.ReceiveFailed, ErrorCategory.WriteError, destination));
            return;
        }
        catch (DataMeshException error)
        {
            WriteError(new ErrorRecord(error, ErrorIds.ReceiveFailed, ErrorCategory.ReadError, key));
            return;
        }
        finally
        {
            if (progress.Completed() is { } done)
            {
                WriteProgress(done);
            }
        }
        WriteObject(new DataMeshReceivedFile
        {
            FileKey = DataMeshNode.FileKeyText(result),
            Name = result.Name,
            Path = result.Path,
            Size = result.Size,
            Stripes = result.Stripes,
            StripesRebuilt = result.StripesRebuilt,
            Resumed = result.Resumed,
            StripesSkipped = result.StripesSkipped,
            Duration = result.Statistics.Duration,
            Throughput = Throughput.MegabytesPerSecond(result.Size, result.Statistics.Duration),
            Retries = result.Statistics.Retries,
            HedgesFired = result.Statistics.HedgesFired,
        });
    }
}
