using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using DataMesh.Libp2p.Identity;

namespace DataMesh.Core.Peers;

/// <summary>
/// Thread-safe registry of what this node observed of each peer: requests, outcomes, bytes, latency (moving
/// average and percentiles), throughput, recency, and bans for peers that served corrupt data.
/// </summary>
/// <remarks>
/// All time comes from the <see cref="TimeProvider"/>, so bans and recency are testable without waiting. The
/// number of tracked peers is bounded; the least recently seen peer is forgotten first, banned peers last (so a
/// flood of new identities cannot wash a ban out early).
/// </remarks>
internal sealed class PeerStatistics
{
    private readonly ConcurrentDictionary<PeerId, PeerRecord> _peers = new();
    private readonly TimeProvider _time;
    private readonly object _evictionGate = new();

    public PeerStatistics(PeerStatisticsOptions? options = null, TimeProvider? timeProvider = null)
    {
        Options = options ?? new PeerStatisticsOptions();
        Options.Validate();
        _time = timeProvider ?? TimeProvider.System;
    }

    public PeerStatisticsOptions Options { get; }

    /// <summary>Number of peers currently tracked.</summary>
    public int Count => _peers.Count;

    public void RecordSuccess(PeerId peer, TimeSpan latency, long bytesReceived, long bytesSent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytesReceived);
        ArgumentOutOfRangeException.ThrowIfNegative(bytesSent);
        var now = _time.GetUtcNow();
        GetOrAdd(peer, now).RecordSuccess(latency, bytesReceived, bytesSent, now);
    }

    /// <summary>A request that failed (refused, not found, transport error).</summary>
    public void RecordFailure(PeerId peer)
    {
        var now = _time.GetUtcNow();
        GetOrAdd(peer, now).RecordFailure(timedOut: false, now);
    }

    /// <summary>A request the peer did not answer in time.</summary>
    public void RecordTimeout(PeerId peer)
    {
        var now = _time.GetUtcNow();
        GetOrAdd(peer, now).RecordFailure(timedOut: true, now);
    }

    /// <summary>The peer answered with bytes that do not match the requested address: penalised and banned.</summary>
    public void RecordCorrupt(PeerId peer)
    {
        var now = _time.GetUtcNow();
        GetOrAdd(peer, now).RecordCorrupt(now + Options.BanDuration, now);
    }

    public void Ban(PeerId peer, TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        var now = _time.GetUtcNow();
        GetOrAdd(peer, now).Ban(now + duration);
    }

    public void Unban(PeerId peer)
    {
        if (_peers.TryGetValue(peer, out var record))
        {
            record.Unban();
        }
    }

    public bool IsBanned(PeerId peer) => _peers.TryGetValue(peer, out var record) && record.IsBanned(_time.GetUtcNow());

    public bool TryGetSnapshot(PeerId peer, [NotNullWhen(true)] out PeerStatsSnapshot? snapshot)
    {
        snapshot = _peers.TryGetValue(peer, out var record) ? record.Snapshot(_time.GetUtcNow()) : null;
        return snapshot is not null;
    }

    /// <summary>A snapshot of every tracked peer, in no particular order.</summary>
    public IReadOnlyList<PeerStatsSnapshot> GetSnapshots()
    {
        var now = _time.GetUtcNow();
        var list = new List<PeerStatsSnapshot>(_peers.Count);
        foreach (var record in _peers.Values)
        {
            list.Add(record.Snapshot(now));
        }
        return list;
    }

    internal bool TryGetRankingView(PeerId peer, out PeerRankingView view)
    {
        if (_peers.TryGetValue(peer, out var record))
        {
            view = record.GetRankingView(_time.GetUtcNow());
            return true;
        }
        view = default;
        return false;
    }

    private PeerRecord GetOrAdd(PeerId peer, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (_peers.TryGetValue(peer, out var existing))
        {
            return existing;
        }
        var record = _peers.GetOrAdd(peer, static (p, state) => new PeerRecord(p, state.Options, state.now), (Options, now));
        if (_peers.Count > Options.MaxTrackedPeers)
        {
            EvictOne(keep: peer, now);
        }
        return record;
    }

    // A linear scan, but only when a new peer pushes the registry over its bound.
    private void EvictOne(PeerId keep, DateTimeOffset now)
    {
        lock (_evictionGate)
        {
            while (_peers.Count > Options.MaxTrackedPeers)
            {
                PeerRecord? victim = null;
                bool victimBanned = true;
                foreach (var record in _peers.Values)
                {
                    if (record.Peer.Equals(keep))
                    {
                        continue;
                    }
                    bool banned = record.IsBanned(now);
                    if (victim is null
                        || (victimBanned && !banned)
                        || (victimBanned == banned && record.LastSeen < victim.LastSeen))
                    {
                        victim = record;
                        victimBanned = banned;
                    }
                }
                if (victim is null)
                {
                    return;
                }
                _peers.TryRemove(victim.Peer, out _);
            }
        }
    }
}
