using System.Diagnostics;
using System.Management.Automation;
using DataMesh.Core.Transfers;

namespace DataMesh.PowerShell.Sessions;

/// <summary>
/// Receives transfer progress on engine threads and keeps only the latest report; the cmdlet turns it into at most
/// four updates a second on the pipeline thread (PowerShell must not be written to from other threads): one parent
/// record for the file (bytes, rate, time left) and a child record for each peer with requests in flight (the busiest
/// <see cref="MaxPeerRecords"/>), each child closed when its peer goes idle.
/// </summary>
internal sealed class TransferProgressReporter : IProgress<TransferProgress>
{
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(250);
    private const int MaxPeerRecords = 8;
    private static int _lastActivityId;

    private readonly string _activity;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TransferProgress? _latest;
    private TimeSpan _lastWritten = -MinimumInterval;
    private bool _written;
    // Peers with a child record on screen, and the activity id each keeps for the whole transfer.
    private readonly Dictionary<string, int> _peerActivities = new(StringComparer.Ordinal);
    private readonly HashSet<string> _peersShown = new(StringComparer.Ordinal);

    public TransferProgressReporter(string activity, int? parentActivityId = null)
    {
        _activity = activity;
        ActivityId = Interlocked.Increment(ref _lastActivityId);
        ParentActivityId = parentActivityId ?? -1;
    }

    public int ActivityId { get; }

    private int ParentActivityId { get; }

    public void Report(TransferProgress value) => Volatile.Write(ref _latest, value);

    /// <summary>The records for the latest report if one arrived and the last update is old enough; empty otherwise.</summary>
    public IReadOnlyList<ProgressRecord> Next()
    {
        TimeSpan now = _clock.Elapsed;
        if (now - _lastWritten < MinimumInterval)
        {
            return [];
        }
        TransferProgress? latest = Interlocked.Exchange(ref _latest, null);
        if (latest is null)
        {
            return [];
        }
        _lastWritten = now;
        _written = true;
        var records = new List<ProgressRecord> { Describe(latest, now) };
        var busiest = latest.BusiestPeers(MaxPeerRecords);
        foreach (string idle in _peersShown.Where(shown => !busiest.Any(b => b.PeerId == shown)).ToList())
        {
            records.Add(PeerRecord(idle, "Idle", completed: true));
            _peersShown.Remove(idle);
        }
        foreach (var (peer, active) in busiest)
        {
            records.Add(PeerRecord(peer, active == 1 ? "1 request in flight" : $"{active} requests in flight", completed: false));
            _peersShown.Add(peer);
        }
        return records;
    }

    /// <summary>The records that remove the bars; empty when no bar was ever shown.</summary>
    public IReadOnlyList<ProgressRecord> Completed()
    {
        if (!_written)
        {
            return [];
        }
        var records = _peersShown.Select(peer => PeerRecord(peer, "Done", completed: true)).ToList();
        _peersShown.Clear();
        records.Add(new ProgressRecord(ActivityId, _activity, "Done") { RecordType = ProgressRecordType.Completed, ParentActivityId = ParentActivityId });
        return records;
    }

    private ProgressRecord PeerRecord(string peer, string status, bool completed)
    {
        if (!_peerActivities.TryGetValue(peer, out int id))
        {
            id = Interlocked.Increment(ref _lastActivityId);
            _peerActivities[peer] = id;
        }
        string shortId = peer.Length > 16 ? $"{peer[..8]}…{peer[^6..]}" : peer;
        return new ProgressRecord(id, $"Peer {shortId}", status)
        {
            ParentActivityId = ActivityId,
            RecordType = completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
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
