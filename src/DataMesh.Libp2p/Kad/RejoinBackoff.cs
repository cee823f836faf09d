namespace DataMesh.Libp2p.Kad;

/// <summary>How long an orphaned DHT node (empty routing table) waits before it tries its bootstrap peers again:
/// one second, doubling on every failure up to <paramref name="ceiling"/>, each delay jittered by ±50 % so that nodes
/// cut off together (a bootstrap node restarting) do not come back in lockstep.</summary>
internal sealed class RejoinBackoff(TimeSpan ceiling)
{
    public static readonly TimeSpan Initial = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between rejoin attempts whatever the maintenance interval: a node without peers is of
    /// no use to anyone, so it keeps trying at least once a minute.</summary>
    public static readonly TimeSpan Maximum = TimeSpan.FromMinutes(1);

    private TimeSpan _current = Initial < ceiling ? Initial : ceiling;

    /// <summary>The next delay before a rejoin attempt; the one after it is twice as long (up to the ceiling).</summary>
    public TimeSpan Next(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        TimeSpan delay = _current * (0.5 + random.NextDouble());
        _current = _current * 2 < ceiling ? _current * 2 : ceiling;
        return delay < ceiling ? delay : ceiling;
    }

    /// <summary>Starts over from one second (the node has peers again).</summary>
    public void Reset() => _current = Initial < ceiling ? Initial : ceiling;
}
