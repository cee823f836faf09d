using System.Management.Automation;
using DataMesh.Core;
using DataMesh.Core.Node;
using DataMesh.PowerShell.Output;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>
/// Encrypts, erasure-codes and stores files on the mesh; returns each file's key. Takes files from the pipeline
/// (<c>Get-ChildItem *.log | Send-DataMeshFile</c>); a file that fails is a non-terminating error. With -AsJob the
/// files are sent one after another by a <see cref="DataMeshTransferJob"/>, which is returned at once.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "DataMeshFile")]
[OutputType(typeof(DataMeshSentFile), typeof(DataMeshTransferJob))]
public sealed class SendDataMeshFileCommand : DataMeshSessionCmdlet
{
    /// <summary>Files to send; wildcards allowed. Binds FullName from Get-ChildItem.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Shard uploads in flight; overrides performance.chunks.max_concurrent_uploads.</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int? MaxConcurrency { get; set; }

    /// <summary>Public identities (from Export-DataMeshIdentity) who may also decrypt the file.</summary>
    [Parameter]
    [ValidateNotNull]
    public string[] Recipient { get; set; } = [];

    /// <summary>Tags recorded with the file, for Get-DataMeshFile -Tag.</summary>
    [Parameter]
    [ValidateNotNull]
    public string[] Tag { get; set; } = [];

    /// <summary>Storage nodes that may be lost at once while the file stays readable; overrides
    /// storage.tolerated_node_failures. The layout is chosen from it and the storage peers reachable.</summary>
    [Parameter]
    [ValidateRange(0, 32)]
    public int? ToleratedFailures { get; set; }

    /// <summary>Send even when fewer than 2 storage peers are reachable (the file then survives no node loss).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Send in the background: returns a job (Receive-Job for results and progress, Stop-Job cancels).</summary>
    [Parameter]
    public SwitchParameter AsJob { get; set; }

    private readonly List<string> _jobFiles = [];
    private DataMeshSession? _jobSession;

    protected override void ProcessRecord()
    {
        DataMeshSession session = ResolveSession();
        foreach (string path in Path)
        {
            foreach (string file in ResolveFiles(path))
            {
                if (AsJob)
                {
                    _jobSession = session;
                    _jobFiles.Add(file);
                }
                else
                {
                    Send(session, file);
                }
            }
        }
    }

    protected override void EndProcessing()
    {
        if (AsJob && _jobSession is { } session && _jobFiles.Count > 0)
        {
            string[] tags = Tag, recipients = Recipient;
            int? concurrency = MaxConcurrency, tolerated = ToleratedFailures;
            bool force = Force;
            var steps = _jobFiles.Select(file => (Func<DataMeshTransferJob, CancellationToken, Task>)((job, token) =>
                SendInJobAsync(job, session, file, tags, recipients, concurrency, tolerated, force, token))).ToArray();
            var job = new DataMeshTransferJob(MyInvocation.Line, $"Send-DataMeshFile ({_jobFiles.Count} file(s))", session, ErrorIds.SendFailed, steps);
            JobRepository.Add(job);
            job.Start();
            WriteObject(job);
        }
        base.EndProcessing();
    }

    private static async Task SendInJobAsync(DataMeshTransferJob job, DataMeshSession session, string file, string[] tags, string[] recipients,
        int? maxConcurrency, int? toleratedFailures, bool force, CancellationToken cancellationToken)
    {
        var progress = new JobProgress(job, new TransferProgressReporter($"Sending {System.IO.Path.GetFileName(file)}"));
        try
        {
            SendFileResult result = await session.Node.SendFileAsync(file, null, tags, recipients, maxConcurrency, toleratedFailures, force, progress,
                cancellationToken).ConfigureAwait(false);
            if (result.Warning is { } warning)
            {
                job.WriteWarning(warning);
            }
            job.WriteOutput(ToOutput(result));
        }
        catch (Exception error) when (MapError(error, file) is { } record)
        {
            job.WriteError(record);
        }
        finally
        {
            progress.Complete();
        }
    }

    /// <summary>The error record for a failed send, or null for failures that are not the file's (cancellation, bugs).</summary>
    private static ErrorRecord? MapError(Exception error, string file) => error switch
    {
        NodeRequestException request => ToErrorRecord(request, file, ErrorIds.SendFailed),
        IOException or UnauthorizedAccessException => new ErrorRecord(error, ErrorIds.SendFailed, ErrorCategory.ReadError, file),
        DataMeshException => new ErrorRecord(error, ErrorIds.SendFailed, ErrorCategory.WriteError, file),
        _ => null,
    };

    private string[] ResolveFiles(string path)
    {
        string literal = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
        if (File.Exists(literal))
        {
            return [literal];
        }
        System.Collections.ObjectModel.Collection<string> resolved;
        try
        {
            resolved = GetResolvedProviderPathFromPSPath(path, out _);
        }
        catch (ItemNotFoundException)
        {
            resolved = [];
        }
        string[] files = [.. resolved.Where(File.Exists)];
        if (files.Length > 0)
        {
            return files;
        }
        if (Directory.Exists(literal) || (resolved.Count > 0 && resolved.All(Directory.Exists)))
        {
            // Sending a folder means sending its files: say how, rather than that nothing is there.
            string folder = Directory.Exists(literal) ? literal : resolved[0];
            string quoted = "'" + folder.Replace("'", "''", StringComparison.Ordinal) + "'";
            string message = $"Cannot send '{path}': it is a directory. Send its files with: Get-ChildItem {quoted} -File | Send-DataMeshFile";
            WriteError(new ErrorRecord(new IOException(message), ErrorIds.FileNotFound, ErrorCategory.InvalidArgument, path)
            {
                ErrorDetails = new ErrorDetails(message)
                {
                    RecommendedAction = $"Send the files in it: Get-ChildItem {quoted} -File | Send-DataMeshFile (add -Recurse for subfolders).",
                },
            });
            return [];
        }
        WriteError(new ErrorRecord(new FileNotFoundException($"Cannot send '{path}': no such file.", literal),
            ErrorIds.FileNotFound, ErrorCategory.ObjectNotFound, path));
        return [];
    }

    private void Send(DataMeshSession session, string file)
    {
        string name = System.IO.Path.GetFileName(file);
        SendFileResult result;
        try
        {
            result = WaitForTransfer(session, $"Sending {name}",
                progress => session.Node.SendFileAsync(file, null, Tag, Recipient, MaxConcurrency, ToleratedFailures, Force, progress, CancelToken));
        }
        catch (Exception error) when (MapError(error, file) is { } record)
        {
            WriteError(record);
            return;
        }
        if (result.Warning is { } warning)
        {
            WriteWarning(warning);
        }
        WriteObject(ToOutput(result));
    }

    private static DataMeshSentFile ToOutput(SendFileResult result) => new()
    {
        FileKey = DataMeshNode.FileKeyText(result),
        Name = result.Name,
        Path = result.SourcePath,
        Size = result.Size,
        Stripes = result.Stripes,
        Shards = result.Shards,
        DataShards = result.DataShards,
        ParityShards = result.ParityShards,
        ToleratedFailures = result.ToleratedFailures,
        StoredBytes = result.StoredBytes,
        Overhead = result.Overhead,
        Resumed = result.Resumed,
        ShardsSkipped = result.ShardsSkipped,
        Duration = result.Statistics.Duration,
        ThroughputMBps = Throughput.MegabytesPerSecond(result.Size, result.Statistics.Duration),
        Retries = result.Statistics.Retries,
        HedgesFired = result.Statistics.HedgesFired,
    };
}
