using System.Diagnostics;
using System.Management.Automation;
using DataMesh.Core.Transfers;

namespace DataMesh.PowerShell.Sessions;

/// <summary>
/// Receives transfer progress on engine threads and keeps only the latest report; the cmdlet turns it into at most
/// four progress records a second on the pipeline thread (PowerShell must not be written to from other threads).
/// </summary>
internal sealed class TransferProgressReporter : IProgress<TransferProgress>
{
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(250);
    private static int _lastActivityId;

    private readonly string _activity;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TransferProgress? _latest;
    private TimeSpan _lastWritten = -MinimumInterval;
    private bool _written;

    public TransferProgressReporter(string activity, int? parentActivityId = null)
    {
        _activity = activity;
        ActivityId = Interlocked.Increment(ref _lastActivityId);
        ParentActivityId = parentActivityId ?? -1;
    }

    public int ActivityId { get; }

    private int ParentActivityId { get; }

    public void Report(TransferProgress value) => Volatile.Write(ref _latest, value);

    /// <summary>A record for the latest report if one arrived and the last record is old enough; null otherwise.</summary>
    public ProgressRecord? Next()
    {
        TimeSpan now = _clock.Elapsed;
        if (now - _lastWritten < MinimumInterval)
        {
            return null;
        }
        TransferProgress? latest = Interlocked.Exchange(ref _latest, null);
        if (latest is null)
        {
            return null;
        }
        _lastWritten = now;
        _written = true;
        return Describe(latest, now);
    }

    /// <summary>The record that removes the bar; null when no bar was ever shown.</summary>
    public ProgressRecord? Completed()
    {
        if (!_written)
        {
            return null;
        }
        return new ProgressRecord(ActivityId, _activity, "Done") { RecordType = ProgressRecordType.Completed, ParentActivityId = ParentActivityId };
    }

    private ProgressRecord Describe(TransferProgress progress, TimeSpan elapsed)
    {
        double rate = elapsed > TimeSpan.Zero ? progress.BytesDone / elapsed.TotalSeconds : 0;
        string shards = progress.TotalShards is { } totalShards ? $"{progress.ShardsDone}/{totalShards} shards" : $"{progress.ShardsDone} shards";
        string status = progress.TotalBytes is { } total
            ? $"{Mebibytes(progress.BytesDone)} of {Mebibytes(total)} MiB at {Mebibytes((long)rate)} MiB/s, {shards}, {progress.ActiveRequests} in flight"
            : $"{Mebibytes(progress.BytesDone)} MiB at {Mebibytes((long)rate)} MiB/s, {shards}, {progress.ActiveRequests} in flight";
        var record = new ProgressRecord(ActivityId, _activity, status) { ParentActivityId = ParentActivityId };
        if (progress.TotalBytes is long totalBytes && totalBytes > 0)
        {
            record.PercentComplete = (int)Math.Clamp(progress.BytesDone * 100 / totalBytes, 0, 100);
            if (rate > 0)
            {
                record.SecondsRemaining = (int)Math.Ceiling(Math.Max(0, totalBytes - progress.BytesDone) / rate);
            }
        }
        return record;
    }

    private static string Mebibytes(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
}
