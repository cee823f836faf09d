namespace DataMesh.Libp2p.Host;

/// <summary>What the connection manager knows of one connection: when it opened, when a stream last opened or
/// closed on it, and how many streams are open now.</summary>
internal readonly record struct ConnectionActivity<TConnection>(TConnection Connection, DateTimeOffset OpenedAt, DateTimeOffset LastActivity, int ActiveStreams);

/// <summary>The connection manager's decisions, without sockets: which connections to close now. A connection with a
/// stream open is never chosen (closing it would break work in progress), nor one younger than the grace period.
/// Generic over the connection type so the policy is tested with plain values.</summary>
internal sealed class ConnectionTrimmer
{
    private readonly ConnectionManagerOptions _options;
    private readonly TimeProvider _time;

    public ConnectionTrimmer(ConnectionManagerOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options;
        _time = timeProvider;
    }

    /// <summary>Connections closed by this trimmer's decisions so far (counted when chosen).</summary>
    public long TrimmedTotal { get; private set; }

    /// <summary>True when <paramref name="openConnections"/> is over the high watermark, so a trim should run now
    /// rather than at the next periodic check.</summary>
    public bool IsOverHighWatermark(int openConnections) => openConnections > _options.HighWatermark;

    /// <summary>The connections to close now: every idle one past the idle timeout, then, while the count is over the
    /// high watermark, the least recently used idle ones until the low watermark is reached (or nothing idle is left).</summary>
    public IReadOnlyList<TConnection> SelectForClosing<TConnection>(IReadOnlyCollection<ConnectionActivity<TConnection>> connections)
    {
        ArgumentNullException.ThrowIfNull(connections);
        DateTimeOffset now = _time.GetUtcNow();
        var idle = connections
            .Where(c => c.ActiveStreams == 0 && now - c.OpenedAt >= _options.GracePeriod)
            .OrderBy(c => c.LastActivity)
            .ThenBy(c => c.OpenedAt)
            .ToList();
        var chosen = new List<TConnection>();
        int remaining = connections.Count;
        bool overHigh = remaining > _options.HighWatermark;
        foreach (ConnectionActivity<TConnection> candidate in idle)
        {
            bool expired = _options.IdleTimeout is { } timeout && now - candidate.LastActivity >= timeout;
            bool needed = overHigh && remaining > _options.LowWatermark;
            if (!expired && !needed)
            {
                // Ordered by last use: if this one is neither expired nor needed, no later one is.
                break;
            }
            chosen.Add(candidate.Connection);
            remaining--;
        }
        TrimmedTotal += chosen.Count;
        return chosen;
    }
}
