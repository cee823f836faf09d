namespace DataMesh.Libp2p.Yamux;

/// <summary>
/// Send-side flow control of one stream: the bytes the peer allows us to send. The read loop grants (window
/// updates), the single write loop takes; both are lock-free because grants only ever add.
/// </summary>
internal sealed class SendWindow
{
    private long _available = YamuxOptions.SpecInitialWindowSize;

    /// <summary>Bytes that may be sent now.</summary>
    public long Available => Volatile.Read(ref _available);

    /// <summary>Adds a window update; false when the window would exceed 2^32-1 bytes (a protocol violation).</summary>
    public bool TryGrant(uint delta)
    {
        long after = Interlocked.Add(ref _available, delta);
        return after <= uint.MaxValue;
    }

    /// <summary>Takes up to <paramref name="max"/> bytes of window; returns how many may be sent (possibly 0).</summary>
    public int Take(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        int granted = (int)Math.Min(max, Available);
        Interlocked.Add(ref _available, -granted);
        return granted;
    }
}
