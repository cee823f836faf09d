namespace DataMesh.Core.Peers;

/// <summary>
/// The latest latency samples of one peer in a fixed ring, for percentiles. Not thread-safe: the owning
/// <see cref="PeerRecord"/> serialises access.
/// </summary>
internal sealed class LatencyWindow
{
    // Percentiles sort a stack copy; this keeps that copy small.
    public const int MaxCapacity = 1024;

    private readonly double[] _samplesMs;
    private int _next;
    private int _count;

    public LatencyWindow(int capacity) => _samplesMs = new double[capacity];

    public int Count => _count;

    public void Add(TimeSpan latency)
    {
        _samplesMs[_next] = latency.TotalMilliseconds;
        _next = (_next + 1) % _samplesMs.Length;
        if (_count < _samplesMs.Length)
        {
            _count++;
        }
    }

    /// <summary>Nearest-rank percentile (0 &lt; <paramref name="percentile"/> ≤ 100); zero when there are no samples.</summary>
    public TimeSpan Percentile(double percentile)
    {
        if (_count == 0)
        {
            return TimeSpan.Zero;
        }
        Span<double> sorted = stackalloc double[_count];
        _samplesMs.AsSpan(0, _count).CopyTo(sorted);
        sorted.Sort();
        int rank = (int)Math.Ceiling(percentile / 100.0 * _count);
        return TimeSpan.FromMilliseconds(sorted[Math.Clamp(rank, 1, _count) - 1]);
    }
}
