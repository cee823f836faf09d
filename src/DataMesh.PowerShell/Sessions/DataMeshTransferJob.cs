using System.Management.Automation;

namespace DataMesh.PowerShell.Sessions;

/// <summary>
/// A PowerShell job (Send-/Receive-DataMeshFile -AsJob) that runs transfers on a session's node in the background,
/// one step (file) after another. Output, errors and progress go to the job's collections, so Receive-Job, Wait-Job
/// and Get-Job work as for any job; Stop-Job cancels the transfer in flight and skips the rest. The run is a task the
/// job owns: stopping or disposing the job waits for it.
/// </summary>
public sealed class DataMeshTransferJob : Job
{
    /// <summary>Progress nobody has received yet is trimmed to the latest records: it describes a moment, not history.</summary>
    private const int MaxQueuedProgress = 32;

    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _cancel = new();
    private readonly IReadOnlyList<Func<DataMeshTransferJob, CancellationToken, Task>> _steps;
    private readonly string _failedErrorId;
    private readonly Lock _progressSync = new();
    private Task? _run;
    private int _done;
    private int _failed;

    internal DataMeshTransferJob(string command, string name, DataMeshSession session, string failedErrorId,
        IReadOnlyList<Func<DataMeshTransferJob, CancellationToken, Task>> steps)
        : base(command, name)
    {
        _steps = steps;
        _failedErrorId = failedErrorId;
        Location = session.ToString();
        PSJobTypeName = "DataMeshTransferJob";
    }

    public override string Location { get; }

    public override string StatusMessage => $"{Volatile.Read(ref _done)} of {_steps.Count} transfer(s) done, {Volatile.Read(ref _failed)} failed";

    public override bool HasMoreData =>
        Output.Count > 0 || Error.Count > 0 || Progress.Count > 0 || Warning.Count > 0 || Verbose.Count > 0 || Debug.Count > 0 || Information.Count > 0;

    /// <summary>Starts the run on the thread pool; the job is Running when this returns.</summary>
    internal void Start()
    {
        SetJobState(JobState.Running);
        _run = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        CancellationToken token = _cancel.Token;
        foreach (Func<DataMeshTransferJob, CancellationToken, Task> step in _steps)
        {
            if (token.IsCancellationRequested)
            {
                break;
            }
            try
            {
                await step(this, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception error)
            {
                // A step maps the failures it knows; anything else still ends as an error record, never a crash.
                WriteError(new ErrorRecord(error, _failedErrorId, ErrorCategory.NotSpecified, Name));
            }
            Interlocked.Increment(ref _done);
        }
        SetJobState(token.IsCancellationRequested ? JobState.Stopped : Volatile.Read(ref _failed) > 0 ? JobState.Failed : JobState.Completed);
    }

    internal void WriteOutput(object value) => Output.Add(PSObject.AsPSObject(value));

    internal void WriteWarning(string message) => Warning.Add(new WarningRecord(message));

    internal void WriteError(ErrorRecord record)
    {
        Interlocked.Increment(ref _failed);
        Error.Add(record);
    }

    internal void WriteProgress(ProgressRecord record)
    {
        lock (_progressSync)
        {
            while (Progress.Count >= MaxQueuedProgress)
            {
                Progress.RemoveAt(0);
            }
            Progress.Add(record);
        }
    }

    /// <summary>Cancels the transfer in flight and waits (bounded) for the run to end; the job ends Stopped.</summary>
    public override void StopJob()
    {
        if (IsFinishedState(JobStateInfo.State) || _run is null)
        {
            return;
        }
        SetJobState(JobState.Stopping);
        _cancel.Cancel();
        _run.Wait(StopWait);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _cancel.Cancel();
            _run?.Wait(StopWait);
            _cancel.Dispose();
        }
        base.Dispose(disposing);
    }

    private static bool IsFinishedState(JobState state) => state is JobState.Completed or JobState.Failed or JobState.Stopped;
}

/// <summary>Adapts engine progress to job progress records: the reporter keeps the latest value and rate-limits.</summary>
internal sealed class JobProgress(DataMeshTransferJob job, TransferProgressReporter reporter) : IProgress<Core.Transfers.TransferProgress>
{
    private readonly Lock _sync = new();

    public void Report(Core.Transfers.TransferProgress value)
    {
        lock (_sync)
        {
            reporter.Report(value);
            foreach (ProgressRecord record in reporter.Next())
            {
                job.WriteProgress(record);
            }
        }
    }

    public void Complete()
    {
        lock (_sync)
        {
            foreach (ProgressRecord done in reporter.Completed())
            {
                job.WriteProgress(done);
            }
        }
    }
}
