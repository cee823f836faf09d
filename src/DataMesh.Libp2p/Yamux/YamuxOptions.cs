namespace DataMesh.Libp2p.Yamux;

/// <summary>Tuning of a <see cref="YamuxSession"/>. Immutable; validated when a session is created.</summary>
public sealed record YamuxOptions
{
    /// <summary>The window every yamux peer assumes for a new stream (fixed by the spec).</summary>
    public const int SpecInitialWindowSize = 256 * 1024;

    /// <summary>Receive window granted to each new stream. At least 256 KiB (the spec value both peers assume).</summary>
    public int InitialWindowSize { get; init; } = SpecInitialWindowSize;

    /// <summary>Upper bound of a stream's receive window when auto-tuning grows it (the reader keeps up within a few RTTs).</summary>
    public int MaxWindowSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// Total bytes by which auto-tuning may grow receive windows beyond their initial size, summed over all
    /// streams of one session. Bounds the memory a session can be asked to buffer.
    /// </summary>
    public long SessionWindowGrowthBudget { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Maximum concurrently open streams per session, both directions together. An inbound SYN beyond it is
    /// answered with RST; <see cref="YamuxSession.OpenStreamAsync"/> beyond it throws <see cref="YamuxStreamLimitException"/>.
    /// </summary>
    public int MaxStreams { get; init; } = 256;

    /// <summary>Inbound streams waiting for <see cref="YamuxSession.AcceptStreamAsync"/>; more are answered with RST.</summary>
    public int AcceptBacklog { get; init; } = 64;

    /// <summary>Largest payload of one outgoing data frame; smaller frames let streams interleave more finely.</summary>
    public int MaxSendFrameSize { get; init; } = 256 * 1024;

    /// <summary>Interval of keep-alive pings; null disables them (one RTT-measuring ping is still sent at start).</summary>
    public TimeSpan? KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A keep-alive ping not answered within this time ends the session.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>After the local side closed a stream, how long to wait for the remote FIN before resetting it.</summary>
    public TimeSpan StreamCloseTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long closing the session may spend writing its final frames (GoAway) to the connection.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    internal void Validate()
    {
        if (InitialWindowSize < SpecInitialWindowSize)
        {
            throw new ArgumentOutOfRangeException(nameof(InitialWindowSize), InitialWindowSize, "The initial window cannot be below the 256 KiB every peer assumes.");
        }

        if (MaxWindowSize < InitialWindowSize)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxWindowSize), MaxWindowSize, "The maximum window must be at least the initial window.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(SessionWindowGrowthBudget);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxStreams, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(AcceptBacklog, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSendFrameSize, 1024);
        if (KeepAliveInterval is { } interval)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero, nameof(KeepAliveInterval));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(KeepAliveTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StreamCloseTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CloseTimeout, TimeSpan.Zero);
    }
}
