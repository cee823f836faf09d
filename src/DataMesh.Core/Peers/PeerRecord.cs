using DataMesh.Libp2p.Identity;

namespace DataMesh.Core.Peers;

/// <summary>Mutable counters of one peer; every member takes the record's lock, so callers need no locking.</summary>
internal sealed class PeerRecord
{
    private readonly object _gate = new();
    private readonly PeerStatisticsOptions _options;
    private readonly LatencyWindow _latencies;
    private long _successes, _failures, _timeouts, _corrupt, _bytesIn, _bytesOut;
    private double _latencyEwmaMs = double.NaN;
    private double _throughputEwma = double.NaN;
    private double _recentSuccess = 1.0;
    private DateTimeOffset _lastSeen;
    private DateTimeOffset _lastSuccess = DateTimeOffset.MinValue;
    private DateTimeOffset? _bannedUntil;

    public PeerRecord(PeerId peer, PeerStatisticsOptions options, DateTimeOffset now)
    {
        Peer = peer;
        _options = options;
        _latencies = new LatencyWindow(options.LatencySampleWindow);
        _lastSeen = now;
    }

    public PeerId Peer { get; }

    public DateTimeOffset LastSeen
    {
        get { lock (_gate) { return _lastSeen; } }
    }

    public void RecordSuccess(TimeSpan latency, long bytesReceived, long bytesSent, DateTimeOffset now)
    {
        lock (_gate)
        {
            _successes++;
            _bytesIn += bytesReceived;
            _bytesOut += bytesSent;
            _latencies.Add(latency);
            double ms = Math.Max(latency.TotalMilliseconds, 0);
            _latencyEwmaMs = double.IsNaN(_latencyEwmaMs) ? ms : Smooth(_latencyEwmaMs, ms);
            long bytes = bytesReceived + bytesSent;
            if (bytes > 0 && latency > TimeSpan.Zero)
            {
                double rate = bytes / latency.TotalSeconds;
                _throughputEwma = double.IsNaN(_throughputEwma) ? rate : Smooth(_throughputEwma, rate);
            }
            _recentSuccess = Smooth(_recentSuccess, 1);
            _lastSeen = now;
            _lastSuccess = now;
        }
    }

    public void RecordFailure(bool timedOut, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (timedOut)
            {
                _timeouts++;
            }
            else
            {
                _failures++;
            }
            _recentSuccess = Smooth(_recentSuccess, 0);
            _lastSeen = now;
        }
    }

    public void RecordCorrupt(DateTimeOffset bannedUntil, DateTimeOffset now)
    {
        lock (_gate)
        {
            _corrupt++;
            _recentSuccess = Smooth(_recentSuccess, 0);
            _lastSeen = now;
            Ban(bannedUntil);
        }
    }

    public void Ban(DateTimeOffset until)
    {
        lock (_gate)
        {
            if (_bannedUntil is null || _bannedUntil < until)
            {
                _bannedUntil = until;
            }
        }
    }

    public void Unban()
    {
        lock (_gate) { _bannedUntil = null; }
    }

    public bool IsBanned(DateTimeOffset now)
    {
        lock (_gate) { return BannedAt(now) is not null; }
    }

    /// <summary>What the ranker and the hedge delay need, without allocating a snapshot.</summary>
    public PeerRankingView GetRankingView(DateTimeOffset now)
    {
        lock (_gate)
        {
            long completed = Completed;
            return new PeerRankingView(
                HasLatency: !double.IsNaN(_latencyEwmaMs),
                LatencyMs: double.IsNaN(_latencyEwmaMs) ? 0 : _latencyEwmaMs,
                LatencyP90: _latencies.Percentile(90),
                Completed: completed,
                RecentSuccessRate: _recentSuccess,
                IsResponsive: ResponsiveAt(now),
                IsBanned: BannedAt(now) is not null);
        }
    }

    public PeerStatsSnapshot Snapshot(DateTimeOffset now)
    {
        lock (_gate)
        {
            long completed = Completed;
            return new PeerStatsSnapshot(
                Peer,
                Latency: double.IsNaN(_latencyEwmaMs) ? TimeSpan.Zero : TimeSpan.FromMilliseconds(_latencyEwmaMs),
                LatencyP50: _latencies.Percentile(50),
                LatencyP90: _latencies.Percentile(90),
                LatencyP99: _latencies.Percentile(99),
                SuccessRate: completed == 0 ? 0 : (double)_successes / completed,
                Requests: completed,
                Successes: _successes,
                Failures: _failures,
                Timeouts: _timeouts,
                CorruptResponses: _corrupt,
                BytesReceived: _bytesIn,
                BytesSent: _bytesOut,
                Throughput: double.IsNaN(_throughputEwma) ? 0 : _throughputEwma,
                LastSeen: _lastSeen,
                IsResponsive: ResponsiveAt(now),
                BannedUntil: BannedAt(now));
        }
    }

    private long Completed => _successes + _failures + _timeouts + _corrupt;

    private bool ResponsiveAt(DateTimeOffset now) =>
        _successes > 0
        && now - _lastSuccess <= _options.ResponsiveWithin
        && _recentSuccess >= _options.MinResponsiveSuccessRate
        && BannedAt(now) is null;

    // An expired ban reads as no ban; it is cleared lazily rather than by a timer.
    private DateTimeOffset? BannedAt(DateTimeOffset now) => _bannedUntil is { } until && until > now ? until : null;

    private double Smooth(double average, double sample) =>
        average + (_options.SmoothingFactor * (sample - average));
}

/// <summary>The few numbers ranking needs, copied out under the record's lock.</summary>
internal readonly record struct PeerRankingView(
    bool HasLatency,
    double LatencyMs,
    TimeSpan LatencyP90,
    long Completed,
    double RecentSuccessRate,
    bool IsResponsive,
    bool IsBanned);
