namespace DataMesh.Storage.Erasure;

/// <summary>
/// Least-recently-used cache of decode plans per erasure pattern, so repeated rebuilds with the same shards lost
/// skip the matrix inversion. Bounded both by entry count and by the bytes the plans' tables occupy, so a wide
/// code (say 128+128) cannot make it grow without limit. Thread-safe.
/// </summary>
internal sealed class DecodePlanCache
{
    private readonly int _maxEntries;
    private readonly long _maxBytes;
    private readonly Dictionary<ErasurePattern, LinkedListNode<(ErasurePattern Key, CodingPlan Plan)>> _map = [];
    private readonly LinkedList<(ErasurePattern Key, CodingPlan Plan)> _recency = new();
    private readonly Lock _gate = new();
    private long _bytes;

    public DecodePlanCache(int maxEntries, long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEntries);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        _maxEntries = maxEntries;
        _maxBytes = maxBytes;
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _map.Count;
            }
        }
    }

    public CodingPlan GetOrAdd(ErasurePattern key, Func<ErasurePattern, CodingPlan> build)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var hit))
            {
                _recency.Remove(hit);
                _recency.AddFirst(hit);
                return hit.Value.Plan;
            }
        }

        // Built outside the lock: an inversion is cheap but need not serialise other rebuilds. Two threads racing
        // on the same pattern both build an identical plan; the first one stored wins.
        CodingPlan plan = build(key);
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var raced))
            {
                return raced.Value.Plan;
            }

            long size = SizeOf(plan);
            if (size > _maxBytes)
            {
                return plan;
            }

            var node = _recency.AddFirst((key, plan));
            _map.Add(key, node);
            _bytes += size;
            while (_map.Count > _maxEntries || _bytes > _maxBytes)
            {
                var oldest = _recency.Last!;
                _recency.RemoveLast();
                _map.Remove(oldest.Value.Key);
                _bytes -= SizeOf(oldest.Value.Plan);
            }

            return plan;
        }
    }

    private static long SizeOf(CodingPlan plan) =>
        (long)plan.InputCount * plan.OutputCount * (CodingPlan.TableBytesPerCoefficient + 1);
}
