namespace DataMesh.Libp2p.Host;

/// <summary>When the host closes connections it is not using. Above <see cref="HighWatermark"/> open connections,
/// or when <see cref="HostOptions.MaxConnections"/> is reached and a new peer arrives, the least useful connections
/// older than <see cref="GracePeriod"/> are closed until <see cref="LowWatermark"/> remain (or the newcomer has room):
/// idle ones (no stream open) by last use first, then inbound ones whose streams carried no data for
/// <see cref="RecentTrafficWindow"/>; peers protected with <see cref="Libp2pHost.Protect"/> are kept; with <see cref="IdleTimeout"/> set, idle connections are also closed after that
/// long unused, whatever the count. Protocols above (the DHT) redial on demand from the peer store's addresses, so a
/// peer is not forgotten when its connection is trimmed. Defaults follow go-libp2p's connection manager (160/192, 1 min).</summary>
public sealed record ConnectionManagerOptions
{
    /// <summary>Trimming stops once this many connections remain.</summary>
    public int LowWatermark { get; init; } = 160;

    /// <summary>Trimming starts when more than this many connections are open. Above <see cref="HostOptions.MaxConnections"/> the hard limit refuses connections anyway.</summary>
    public int HighWatermark { get; init; } = 192;

    /// <summary>A new connection is never trimmed within this time: its opener has not had the chance to use it yet.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>An idle connection unused for this long is closed even below the watermarks; null keeps idle connections
    /// until the count passes the high watermark.</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>Under pressure, an inbound connection whose open streams carried no data for this long is trimmed like
    /// an idle one: one idle stream must not pin a connection. Connections with traffic within it are kept.</summary>
    public TimeSpan RecentTrafficWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the host checks the watermarks and idle timeout (it also checks at once when an opened
    /// connection takes the count over the high watermark).</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromSeconds(10);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(LowWatermark, nameof(LowWatermark));
        ArgumentOutOfRangeException.ThrowIfLessThan(HighWatermark, LowWatermark, nameof(HighWatermark));
        ArgumentOutOfRangeException.ThrowIfLessThan(GracePeriod, TimeSpan.Zero, nameof(GracePeriod));
        if (IdleTimeout is { } idle)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(idle, TimeSpan.Zero, nameof(IdleTimeout));
        }
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RecentTrafficWindow, TimeSpan.Zero, nameof(RecentTrafficWindow));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CheckInterval, TimeSpan.Zero, nameof(CheckInterval));
    }
}
