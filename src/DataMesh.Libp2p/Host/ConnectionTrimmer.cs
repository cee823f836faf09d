namespace DataMesh.Libp2p.Host;

/// <summary>What the connection manager knows of one connection: when it opened, when a stream last opened or
/// closed on it, how many streams are open now, when data last flowed on it either way (null: as
/// <paramref name="LastActivity"/>), who dialed, and whether an upper layer protects its peer.</summary>
internal readonly record struct ConnectionActivity<TConnection>(
    TConnection Connection,
    DateTimeOffset OpenedAt,
    DateTimeOffset LastActivity,
    int ActiveStreams,
    DateTimeOffset? LastTraffic = null,
    ConnectionDirection Direction = ConnectionDirection.Inbound,
    bool Protected = false)
{
    public DateTimeOffset LastUseful => LastTraffic ?? LastActivity;
}

/// <summary>The connection manager's decisions, without sockets: which connections to close now. Generic over the
/// connection type so the policy is tested with plain values.</summary>
/// <remarks>
/// Connections younger than the grace period are never chosen. Idle ones (no stream open) past the idle timeout are
/// always chosen. Under pressure (over the high watermark, or room asked for a new connection at the hard limit) the
/// least useful go first: idle connections by last use, then inbound connections whose open streams have carried no
/// data for <see cref="ConnectionManagerOptions.RecentTrafficWindow"/>, by last traffic, so one idle stream no longer
/// pins a connection. Never chosen under pressure: connections with recent traffic, our own outbound connections
/// with streams open (work we started), and connections to peers an upper layer protects.
/// </remarks>
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
    /// high watermark (down to the low watermark) or fewer than <paramref name="room"/> were chosen, the least useful
    /// unprotected ones (see the class remarks) until none is left.</summary>
    /// <param name="room">Connections to free at least, for newcomers at the hard limit.</param>
    public IReadOnlyList<TConnection> SelectForClosing<TConnection>(IReadOnlyCollection<ConnectionActivity<TConnection>> connections, int room = 0)
    {
        ArgumentNullException.ThrowIfNull(connections);
        ArgumentOutOfRangeException.ThrowIfNegative(room);
        DateTimeOffset now = _time.GetUtcNow();
        var pastGrace = connections.Where(c => now - c.OpenedAt >= _options.GracePeriod).ToList();
        var chosen = pastGrace
            .Where(c => c.ActiveStreams == 0 && _options.IdleTimeout is { } timeout && now - c.LastActivity >= timeout)
            .OrderBy(c => c.LastActivity)
            .ThenBy(c => c.OpenedAt)
            .ToList();

        IEnumerable<ConnectionActivity<TConnection>> idle = pastGrace
            .Where(c => c.ActiveStreams == 0 && !c.Protected)
            .OrderBy(c => c.LastActivity)
            .ThenBy(c => c.OpenedAt);
        IEnumerable<ConnectionActivity<TConnection>> stale = pastGrace
            .Where(c => c.ActiveStreams > 0 && !c.Protected && c.Direction == ConnectionDirection.Inbound &&
                        now - c.LastUseful >= _options.RecentTrafficWindow)
            .OrderBy(c => c.LastUseful)
            .ThenBy(c => c.OpenedAt);
        foreach (ConnectionActivity<TConnection> candidate in idle.Concat(stale))
        {
            int remaining = connections.Count - chosen.Count;
            bool overHigh = connections.Count > _options.HighWatermark && remaining > _options.LowWatermark;
            if (!overHigh && chosen.Count >= room)
            {
                break;
            }
            if (!chosen.Contains(candidate))
            {
                chosen.Add(candidate);
            }
        }
        TrimmedTotal += chosen.Count;
        return [.. chosen.Select(c => c.Connection)];
    }
}
