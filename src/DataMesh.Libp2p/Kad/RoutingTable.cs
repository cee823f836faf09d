namespace DataMesh.Libp2p.Kad;

/// <summary>One routing table member as seen at snapshot time.</summary>
public sealed record RoutingTableEntry<TPeer>(TPeer Peer, KadKey Key, int BucketIndex, DateTimeOffset AddedAt, DateTimeOffset LastSeen)
    where TPeer : notnull;

/// <summary>What <see cref="RoutingTable{TPeer}.TryAdd"/> did.</summary>
internal enum RoutingTableAddResult
{
    /// <summary>The peer is new and was inserted.</summary>
    Added,

    /// <summary>The peer was already present; it is now the most recently seen of its bucket.</summary>
    Refreshed,

    /// <summary>The bucket is full. Kademlia prefers long-lived peers: the caller should check the liveness of the
    /// returned least-recently-seen member and only call <see cref="RoutingTable{TPeer}.ReplaceStale"/> if it failed.</summary>
    BucketFull,

    /// <summary>The peer is the local node itself.</summary>
    Self,
}

/// <summary>The Kademlia routing table: 256 k-buckets indexed by the common prefix length with the local key. A full
/// bucket keeps its members (old peers are the ones most likely to stay up); a newcomer gets in only when a member
/// fails a liveness check. Generic over the peer type so the logic is testable without identities or sockets.
/// Thread-safe; all operations take one short lock.</summary>
internal sealed class RoutingTable<TPeer> where TPeer : notnull
{
    public const int KeyBits = KadKey.Size * 8;

    private readonly object _gate = new();
    private readonly List<Member>?[] _buckets = new List<Member>?[KeyBits];
    private readonly Dictionary<TPeer, Member> _members;
    private readonly DateTimeOffset[] _lastRefreshed = new DateTimeOffset[KeyBits];
    private readonly TimeProvider _time;

    public RoutingTable(KadKey localKey, int bucketSize, TimeProvider? timeProvider = null, IEqualityComparer<TPeer>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketSize, 1);
        LocalKey = localKey;
        BucketSize = bucketSize;
        _time = timeProvider ?? TimeProvider.System;
        _members = new Dictionary<TPeer, Member>(comparer);
        Array.Fill(_lastRefreshed, _time.GetUtcNow());
    }

    public KadKey LocalKey { get; }

    public int BucketSize { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _members.Count;
            }
        }
    }

    public int BucketIndexOf(KadKey key) => Math.Min(LocalKey.CommonPrefixLength(key), KeyBits - 1);

    public bool Contains(TPeer peer)
    {
        lock (_gate)
        {
            return _members.ContainsKey(peer);
        }
    }

    /// <summary>Inserts or refreshes a peer. When its bucket is full, nothing changes and
    /// <paramref name="leastRecentlySeen"/> names the member whose liveness decides whether the newcomer gets in.</summary>
    public RoutingTableAddResult TryAdd(TPeer peer, KadKey key, out TPeer? leastRecentlySeen)
    {
        leastRecentlySeen = default;
        if (key == LocalKey)
        {
            return RoutingTableAddResult.Self;
        }
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_members.TryGetValue(peer, out Member? existing))
            {
                Touch(existing, now);
                return RoutingTableAddResult.Refreshed;
            }
            int index = BucketIndexOf(key);
            List<Member> bucket = _buckets[index] ??= new List<Member>(BucketSize);
            if (bucket.Count >= BucketSize)
            {
                leastRecentlySeen = bucket[0].Peer; // kept in least-recently-seen order
                return RoutingTableAddResult.BucketFull;
            }
            var member = new Member(peer, key, index, now) { LastSeen = now };
            bucket.Add(member);
            _members.Add(peer, member);
            return RoutingTableAddResult.Added;
        }
    }

    /// <summary>Records that the peer answered us, so it is the last to be evicted from its bucket.</summary>
    public bool MarkSeen(TPeer peer)
    {
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_members.TryGetValue(peer, out Member? member))
            {
                return false;
            }
            Touch(member, now);
            return true;
        }
    }

    /// <summary>Evicts <paramref name="stale"/> (which failed its liveness check) and inserts the newcomer if that made
    /// room in the newcomer's bucket. Returns whether the newcomer is now a member.</summary>
    public bool ReplaceStale(TPeer stale, TPeer newcomer, KadKey newcomerKey)
    {
        lock (_gate)
        {
            RemoveLocked(stale);
        }
        RoutingTableAddResult result = TryAdd(newcomer, newcomerKey, out _);
        return result is RoutingTableAddResult.Added or RoutingTableAddResult.Refreshed;
    }

    public bool Remove(TPeer peer)
    {
        lock (_gate)
        {
            return RemoveLocked(peer);
        }
    }

    /// <summary>Up to <paramref name="count"/> members ordered by XOR distance to <paramref name="target"/>, closest first.</summary>
    public IReadOnlyList<TPeer> NearestPeers(KadKey target, int count, Func<TPeer, bool>? exclude = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        List<(KadKey Distance, TPeer Peer)> all;
        lock (_gate)
        {
            all = new List<(KadKey, TPeer)>(_members.Count);
            foreach (Member member in _members.Values)
            {
                if (exclude is null || !exclude(member.Peer))
                {
                    all.Add((member.Key.Xor(target), member.Peer));
                }
            }
        }
        all.Sort(static (a, b) => a.Distance.CompareTo(b.Distance));
        int take = Math.Min(count, all.Count);
        var nearest = new TPeer[take];
        for (int i = 0; i < take; i++)
        {
            nearest[i] = all[i].Peer;
        }
        return nearest;
    }

    /// <summary>A consistent copy of every member, bucket by bucket.</summary>
    public IReadOnlyList<RoutingTableEntry<TPeer>> Snapshot()
    {
        lock (_gate)
        {
            var entries = new List<RoutingTableEntry<TPeer>>(_members.Count);
            foreach (List<Member>? bucket in _buckets)
            {
                if (bucket is null)
                {
                    continue;
                }
                entries.AddRange(bucket.Select(m => new RoutingTableEntry<TPeer>(m.Peer, m.Key, m.BucketIndex, m.AddedAt, m.LastSeen)));
            }
            return entries;
        }
    }

    /// <summary>Bucket indexes (up to the deepest non-empty one, as go-libp2p-kad-dht does) not refreshed for
    /// <paramref name="maxAge"/>; deeper buckets are empty because few peers share that long a prefix with us.</summary>
    public IReadOnlyList<int> BucketsDueForRefresh(TimeSpan maxAge)
    {
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            int deepest = -1;
            for (int i = KeyBits - 1; i >= 0; i--)
            {
                if (_buckets[i] is { Count: > 0 })
                {
                    deepest = i;
                    break;
                }
            }
            int limit = Math.Min(deepest + 1, KeyBits - 1);
            var due = new List<int>();
            for (int i = 0; i <= limit; i++)
            {
                if (now - _lastRefreshed[i] >= maxAge)
                {
                    due.Add(i);
                }
            }
            return due;
        }
    }

    /// <summary>Notes that a lookup for a key in bucket <paramref name="bucketIndex"/> ran, so it needs no refresh yet.</summary>
    public void MarkRefreshed(int bucketIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bucketIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bucketIndex, KeyBits);
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            _lastRefreshed[bucketIndex] = now;
        }
    }

    private void Touch(Member member, DateTimeOffset now)
    {
        member.LastSeen = now;
        List<Member> bucket = _buckets[member.BucketIndex]!;
        bucket.Remove(member);
        bucket.Add(member);
    }

    private bool RemoveLocked(TPeer peer)
    {
        if (!_members.Remove(peer, out Member? member))
        {
            return false;
        }
        _buckets[member.BucketIndex]!.Remove(member);
        return true;
    }

    private sealed class Member(TPeer peer, KadKey key, int bucketIndex, DateTimeOffset addedAt)
    {
        public TPeer Peer { get; } = peer;

        public KadKey Key { get; } = key;

        public int BucketIndex { get; } = bucketIndex;

        public DateTimeOffset AddedAt { get; } = addedAt;

        public DateTimeOffset LastSeen { get; set; }
    }
}
