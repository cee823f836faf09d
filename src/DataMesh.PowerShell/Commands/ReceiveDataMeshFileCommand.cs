using System.Management.Automation;
using DataMesh.Core;
using DataMesh.Core.Node;
using DataMesh.PowerShell.Output;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>
/// Fetches files from the mesh by key, rebuilds and verifies them, and writes them to -Destination. Keys bind from
/// the pipeline by property name (<c>Get-DataMeshFile | Receive-DataMeshFile</c>); a file that fails is a
/// non-terminating error. With -AsJob the files are received one after another by a <see cref="DataMeshTransferJob"/>,
/// which is returned at once.
/// </summary>
[Cmdlet(VerbsCommunications.Receive, "DataMeshFile")]
[OutputType(typeof(DataMeshReceivedFile), typeof(DataMeshTransferJob))]
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

    /// <summary>Receive in the background: returns a job (Receive-Job for results and progress, Stop-Job cancels).</summary>
    [Parameter]
    public SwitchParameter AsJob { get; set; }

    private readonly List<(string Key, string Destination)> _jobFiles = [];
    private DataMeshSession? _jobSession;

    protected override void ProcessRecord()
    {
        DataMeshSession session = ResolveSession();
        string destination = ResolveUserPath(Destination) ?? CurrentDirectory;
        foreach (string key in FileKey)
        {
            if (AsJob)
            {
                _jobSession = session;
                _jobFiles.Add((key, destination));
            }
            else
            {
                Receive(session, key, destination);
            }
        }
    }

    protected override void EndProcessing()
    {
        if (AsJob && _jobSession is { } session && _jobFiles.Count > 0)
        {
            int? concurrency = MaxConcurrency;
            bool overwrite = Force;
            var steps = _jobFiles.Select(file => (Func<DataMeshTransferJob, CancellationToken, Task>)((job, token) =>
                ReceiveInJobAsync(job, session, file.Key, file.Destination, concurrency, overwrite, token))).ToArray();
            var job = new DataMeshTransferJob(MyInvocation.Line, $"Receive-DataMeshFile ({_jobFiles.Count} file(s))", session, ErrorIds.ReceiveFailed, steps);
            JobRepository.Add(job);
            job.Start();
            WriteObject(job);
        }
        base.EndProcessing();
    }

    private static async Task ReceiveInJobAsync(DataMeshTransferJob job, DataMeshSession session, string key, string destination,
        int? maxConcurrency, bool overwrite, CancellationToken cancellationToken)
    {
        var progress = new JobProgress(job, new TransferProgressReporter($"Receiving {key}"));
        try
        {
            var options = new ReceiveFileOptions { MaxConcurrency = maxConcurrency, Overwrite = overwrite };
            ReceiveFileResult result = await session.Node.ReceiveFileAsync(key, destination, options, progress, cancellationToken).ConfigureAwait(false);
            job.WriteOutput(ToOutput(result));
        }
        catch (Exception error) when (MapError(error, key, destination) is { } record)
        {
            job.WriteError(record);
        }
        finally
        {
            progress.Complete();
        }
    }

    /// <summary>The error record for a failed receive, or null for failures that are not the file's (cancellation, bugs).</summary>
    private static ErrorRecord? MapError(Exception error, string key, string destination) => error switch
    {
        NodeRequestException request => ToErrorRecord(request, key, ErrorIds.ReceiveFailed),
        FileNotFoundOnMeshException => new ErrorRecord(error, ErrorIds.FileNotOnMesh, ErrorCategory.ObjectNotFound, key),
        IOException or UnauthorizedAccessException => new ErrorRecord(error, ErrorIds.ReceiveFailed, ErrorCategory.WriteError, destination),
        DataMeshException => new ErrorRecord(error, ErrorIds.ReceiveFailed, ErrorCategory.ReadError, key),
        _ => null,
    };

    private void Receive(DataMeshSession session, string key, string destination)
    {
        var options = new ReceiveFileOptions { MaxConcurrency = MaxConcurrency, Overwrite = Force };
        ReceiveFileResult result;
        try
        {
            result = WaitForTransfer(session, $"Receiving {key}",
                progress => session.Node.ReceiveFileAsync(key, destination, options, progress, CancelToken));
        }
        catch (Exception error) when (MapError(error, key, destination) is { } record)
        {
            WriteError(record);
            return;
        }
        WriteObject(ToOutput(result));
    }

    private static DataMeshReceivedFile ToOutput(ReceiveFileResult result) => new()
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
    };
}
