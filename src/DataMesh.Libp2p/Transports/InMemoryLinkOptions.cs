namespace DataMesh.Libp2p.Transports;

/// <summary>
/// Simulated properties of an in-memory link, applied to each direction independently. Immutable.
/// </summary>
public sealed record InMemoryLinkOptions
{
    /// <summary>A link that delivers at once, without rate limit.</summary>
    public static InMemoryLinkOptions Instant { get; } = new();

    /// <summary>One-way delay of every byte.</summary>
    public TimeSpan Latency { get; init; } = TimeSpan.Zero;

    /// <summary>Transmission rate per direction; null is unlimited.</summary>
    public long? BytesPerSecond { get; init; }

    /// <summary>Bytes per direction that may be in flight or unread before the writer waits (the memory bound).</summary>
    public int BufferSize { get; init; } = 1024 * 1024;

    internal bool IsInstant => Latency == TimeSpan.Zero && BytesPerSecond is null;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Latency, TimeSpan.Zero);
        if (BytesPerSecond is { } rate)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(rate, 1, nameof(BytesPerSecond));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(BufferSize, 1024);
    }
}
