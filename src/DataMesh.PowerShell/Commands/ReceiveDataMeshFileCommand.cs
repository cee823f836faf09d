using System.Management.Automation;
using DataMesh.Core;
using DataMesh.Core.Node;
using DataMesh.Core.Transfers;
using DataMesh.PowerShell.Output;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>
/// Fetches files from the mesh by key, rebuilds and verifies them, and writes them to -Destination. Keys bind from
/// the pipeline by property name (<c>Get-DataMeshFile | Receive-DataMeshFile</c>); a file that fails is a
/// non-terminating error. With -AsJob the files are received one after another by a <see cref="DataMeshTransferJob"/>,
/// which is returned at once. Every file goes through ShouldProcess (-WhatIf lists what would be written or replaced).
/// </summary>
/// <remarks>
/// -Destination is a folder when it exists as one, ends in a directory separator, or receives several files (more
/// than one key, given or piped); a missing folder is created. A single file to any other path is written at that path.
/// </remarks>
[Cmdlet(VerbsCommunications.Receive, "DataMeshFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(DataMeshReceivedFile), typeof(DataMeshTransferJob))]
public sealed class ReceiveDataMeshFileCommand : DataMeshSessionCmdlet
{
    /// <summary>File keys ("dm1…") from Send-DataMeshFile or Get-DataMeshFile.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.FileKeyCompleter))]
    public string[] FileKey { get; set; } = [];

    /// <summary>A file path, or a folder to receive into under the stored names (see the remarks). Default: the current folder.</summary>
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
    private DataMeshSession? _session;
    private string? _destination;
    private bool _destinationIsFolder;
    private bool _folderUndecided;
    private int _keysSeen;
    // The first piped key while it is not yet known whether more follow (one key: a file path; several: a folder).
    private string? _heldKey;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        _destination = ResolveUserPath(Destination) ?? CurrentDirectory;
        _destinationIsFolder = Destination is null || EndsWithSeparator(Destination) || Directory.Exists(_destination);
        _folderUndecided = !_destinationIsFolder;
    }

    protected override void ProcessRecord()
    {
        _session ??= ResolveSession();
        foreach (string key in FileKey)
        {
            _keysSeen++;
            if (_folderUndecided)
            {
                if (_keysSeen == 1 && FileKey.Length == 1 && MyInvocation.ExpectingInput)
                {
                    _heldKey = key;
                    continue;
                }
                _folderUndecided = false;
                _destinationIsFolder = _keysSeen > 1 || FileKey.Length > 1;
            }
            if (_heldKey is { } held)
            {
                _heldKey = null;
                Dispatch(held);
            }
            Dispatch(key);
        }
    }

    private static bool EndsWithSeparator(string path) =>
        path.EndsWith('/') || path.EndsWith('\\') || path.EndsWith(System.IO.Path.DirectorySeparatorChar);

    /// <summary>Receives one file now, or queues it for the job, once ShouldProcess agrees.</summary>
    private void Dispatch(string key)
    {
        string destination = _destination!;
        if (!ShouldProcess(destination, DescribeAction(key, destination)))
        {
            return;
        }
        if (_destinationIsFolder && !Directory.Exists(destination))
        {
            try
            {
                Directory.CreateDirectory(destination);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(error, ErrorIds.ReceiveFailed, ErrorCategory.WriteError, destination));
                return;
            }
        }
        if (AsJob)
        {
            _jobSession = _session;
            _jobFiles.Add((key, destination));
        }
        else
        {
            Receive(_session!, key, destination);
        }
    }

    private string DescribeAction(string key, string destination)
    {
        if (_destinationIsFolder)
        {
            return Force
                ? $"Receive {key} into this folder, replacing a file of the same name"
                : $"Receive {key} into this folder";
        }
        return Force && File.Exists(destination) ? $"Replace the existing file with {key}" : $"Receive {key} to this path";
    }

    protected override void EndProcessing()
    {
        if (_heldKey is { } single)
        {
            // The pipeline brought one key: -Destination is that file's path.
            _heldKey = null;
            Dispatch(single);
        }
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
        NodeRequestException { Kind: NodeErrorKind.DestinationExists } request => DestinationExists(request, key),
        NodeRequestException request => ToErrorRecord(request, key, ErrorIds.ReceiveFailed),
        FileNotFoundOnMeshException => new ErrorRecord(error, ErrorIds.FileNotOnMesh, ErrorCategory.ObjectNotFound, key),
        IOException or UnauthorizedAccessException => new ErrorRecord(error, ErrorIds.ReceiveFailed, ErrorCategory.WriteError, destination),
        DataMeshException => new ErrorRecord(error, ErrorIds.ReceiveFailed, ErrorCategory.ReadError, key),
        _ => null,
    };

    private static ErrorRecord DestinationExists(NodeRequestException error, string key)
    {
        ErrorRecord record = ToErrorRecord(error, key, ErrorIds.ReceiveFailed);
        record.ErrorDetails = new ErrorDetails($"{error.Message} Use -Force to replace it.")
        {
            RecommendedAction = "Add -Force to replace the file, or give another -Destination.",
        };
        return record;
    }

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
            if (error is StripeUnavailableException lost)
            {
                // The message only counts the failures; each shard's error (with its address) is for -Verbose.
                foreach (string shardError in lost.Errors)
                {
                    WriteVerbose($"Stripe {lost.StripeIndex}, {shardError}");
                }
            }
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
        ThroughputMBps = Throughput.MegabytesPerSecond(result.Size, result.Statistics.Duration),
        Retries = result.Statistics.Retries,
        HedgesFired = result.Statistics.HedgesFired,
    };
}
