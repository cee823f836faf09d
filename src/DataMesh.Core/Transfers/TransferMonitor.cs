using System.Collections.Concurrent;
using DataMesh.Libp2p.Identity;

namespace DataMesh.Core.Transfers;

/// <summary>
/// Counters of one upload or retrieval, updated lock-free from every concurrent request, reported as a
/// <see cref="TransferProgress"/> once per completed shard and summarised as <see cref="TransferStatistics"/>.
/// </summary>
internal sealed class TransferMonitor
{
    private readonly TimeProvider _time;
    private readonly IProgress<TransferProgress>? _progress;
    private readonly long? _totalBytes;
    private readonly int? _totalShards;
    private readonly long _started;
    private readonly ConcurrentDictionary<PeerId, PeerActivity> _activeByPeer = new();
    private readonly ConcurrentDictionary<PeerId, PeerTally> _served = new();
    private long _bytesDone;
    private int _shardsDone, _active, _requests, _retries, _hedgesFired, _hedgesWon;

    public TransferMonitor(TimeProvider time, IProgress<TransferProgress>? progress, long? totalBytes, int? totalShards)
    {
        _time = time;
        _progress = progress;
        _totalBytes = totalBytes;
        _totalShards = totalShards;
        _started = time.GetTimestamp();
    }

    public void RequestStarted(PeerId peer)
    {
        Interlocked.Increment(ref _active);
        Interlocked.Increment(ref _requests);
        _activeByPeer.GetOrAdd(peer, static _ => new PeerActivity()).Started(_time.GetTimestamp());
    }

    public void RequestEnded(PeerId peer)
    {
        Interlocked.Decrement(ref _active);
        if (_activeByPeer.TryGetValue(peer, out var activity))
        {
            activity.Ended();
        }
    }

    /// <summary>Requests of this transfer now in flight to <paramref name="peer"/>.</summary>
    public int ActiveRequests(PeerId peer) =>
        _activeByPeer.TryGetValue(peer, out var activity) ? activity.Active : 0;

    /// <summary>Requests in flight to <paramref name="peer"/> and the timestamp since which it has had any (long.MaxValue
    /// when idle): of two peers with one request each, the one busy longer is the first to go idle.</summary>
    public (int Active, long BusySince) Activity(PeerId peer) =>
        _activeByPeer.TryGetValue(peer, out var activity) ? activity.Snapshot() : (0, long.MaxValue);

    public void PeerServed(PeerId peer, long bytes, TimeSpan elapsed) =>
        _served.GetOrAdd(peer, static _ => new PeerTally()).Add(bytes, elapsed);

    public void Retried() => Interlocked.Increment(ref _retries);

    public void HedgeFired() => Interlocked.Increment(ref _hedgesFired);

    public void HedgeWon() => Interlocked.Increment(ref _hedgesWon);

    /// <summary>A shard (or, for retrieval, a stripe's worth of shards) is done; reports progress.</summary>
    public void Completed(int shards, long bytes)
    {
        Interlocked.Add(ref _shardsDone, shards);
        Interlocked.Add(ref _bytesDone, bytes);
        if (_progress is null)
        {
            return;
        }
        var active = new Dictionary<PeerId, int>();
        foreach (var (peer, activity) in _activeByPeer)
        {
            int count = activity.Active;
            if (count > 0)
            {
                active[peer] = count;
            }
        }
        _progress.Report(new TransferProgress(
            Interlocked.Read(ref _bytesDone), _totalBytes, Volatile.Read(ref _shardsDone), _totalShards,
            Volatile.Read(ref _active), active, Volatile.Read(ref _retries), Volatile.Read(ref _hedgesFired),
            Volatile.Read(ref _hedgesWon)));
    }

    public TransferStatistics Finish()
    {
        PeerId? fastest = null, slowest = null;
        double best = double.NegativeInfinity, worst = double.PositiveInfinity;
        foreach (var (peer, tally) in _served)
        {
            double rate = tally.BytesPerSecond;
            if (rate > best)
            {
                best = rate;
                fastest = peer;
            }
            if (rate < worst)
            {
                worst = rate;
                slowest = peer;
            }
        }
        return new TransferStatistics(
            Volatile.Read(ref _shardsDone), Interlocked.Read(ref _bytesDone), _time.GetElapsedTime(_started),
            Volatile.Read(ref _requests), Volatile.Read(ref _retries), Volatile.Read(ref _hedgesFired),
            Volatile.Read(ref _hedgesWon), fastest, slowest);
    }

    private sealed class PeerActivity
    {
        private readonly Lock _gate = new();
        private int _active;
        private long _busySince = long.MaxValue;

        public int Active
        {
            get
            {
                lock (_gate)
                {
                    return _active;
                }
            }
        }

        public void Started(long now)
        {
            lock (_gate)
            {
                if (_active++ == 0)
                {
                    _busySince = now;
                }
            }
        }

        public void Ended()
        {
            lock (_gate)
            {
                if (--_active == 0)
                {
                    _busySince = long.MaxValue;
                }
            }
        }

        public (int Active, long BusySince) Snapshot()
        {
            lock (_gate)
            {
                return (_active, _busySince);
            }
        }
    }

    private sealed class PeerTally
    {
        private long _bytes;
        private long _ticks;

        public void Add(long bytes, TimeSpan elapsed)
        {
            Interlocked.Add(ref _bytes, bytes);
            Interlocked.Add(ref _ticks, Math.Max(elapsed.Ticks, 1));
        }

        public double BytesPerSecond =>
            Interlocked.Read(ref _bytes) / TimeSpan.FromTicks(Math.Max(Interlocked.Read(ref _ticks), 1)).TotalSeconds;
    }
}
