namespace DataMesh.Libp2p.Yamux;

/// <summary>
/// Session-wide allowance for receive-window growth, so auto-tuning many streams at once cannot make one session
/// buffer more than a fixed amount beyond the streams' initial windows. Thread-safe.
/// </summary>
internal sealed class YamuxWindowBudget
{
    private readonly long _capacity;
    private long _used;

    public YamuxWindowBudget(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _capacity = capacity;
    }

    public long Used => Volatile.Read(ref _used);

    public bool TryReserve(long bytes)
    {
        while (true)
        {
            long used = Volatile.Read(ref _used);
            if (used + bytes > _capacity)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _used, used + bytes, used) == used)
            {
                return true;
            }
        }
    }

    public void Release(long bytes)
    {
        if (Interlocked.Add(ref _used, -bytes) < 0)
        {
            throw new InvalidOperationException("Released more window growth than was reserved.");
        }
    }
}
