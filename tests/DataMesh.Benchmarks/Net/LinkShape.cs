using System.Diagnostics;

namespace DataMesh.Benchmarks.Net;

/// <summary>What a simulated link does to bytes in one direction: holds them for <see cref="OneWayDelay"/> after they
/// were serialized at <see cref="BitsPerSecond"/> (0 = no rate limit), with at most <see cref="QueueBytes"/> waiting
/// for the wire (the router buffer; beyond it the relay stops reading and TCP backpressure reaches the sender).</summary>
public sealed record LinkShape(TimeSpan OneWayDelay, double BitsPerSecond, int QueueBytes = 128 * 1024)
{
    /// <summary>The WAN link of the benchmarks: 25 ms one way (50 ms round trip), 50 Mbit/s each way.</summary>
    public static LinkShape Wan { get; } = new(TimeSpan.FromMilliseconds(25), 50e6);

    public double BytesPerSecond => BitsPerSecond / 8;

    public override string ToString() =>
        $"{OneWayDelay.TotalMilliseconds:0.#} ms one way, {(BitsPerSecond > 0 ? $"{BitsPerSecond / 1e6:0.#} Mbit/s" : "no rate limit")}, {QueueBytes / 1024} KiB queue";
}

/// <summary>One direction of a link, shared by every connection that crosses it, so they compete for its rate as
/// flows on a real access link do. A virtual clock of when the wire is next free gives each chunk its delivery time:
/// serialization (size / rate) after the previous chunk, plus the propagation delay. No per-byte timers.</summary>
internal sealed class LinkDirection
{
    private readonly LinkShape _shape;
    private readonly Lock _gate = new();
    private long _wireFreeAt;
    private long _bytes;

    public LinkDirection(LinkShape shape) => _shape = shape;

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>How long the bytes already accepted will keep the wire busy.</summary>
    public TimeSpan Backlog
    {
        get
        {
            lock (_gate)
            {
                long now = Stopwatch.GetTimestamp();
                return _wireFreeAt > now ? Stopwatch.GetElapsedTime(now, _wireFreeAt) : TimeSpan.Zero;
            }
        }
    }

    /// <summary>The time the queue may hold before the relay stops reading from the sender.</summary>
    public TimeSpan MaxBacklog => _shape.BitsPerSecond > 0 ? TimeSpan.FromSeconds(_shape.QueueBytes / _shape.BytesPerSecond) : TimeSpan.Zero;

    /// <summary>Puts <paramref name="count"/> bytes on the wire; returns the Stopwatch timestamp at which they arrive.</summary>
    public long Transmit(int count)
    {
        Interlocked.Add(ref _bytes, count);
        long now = Stopwatch.GetTimestamp();
        long delay = (long)(_shape.OneWayDelay.TotalSeconds * Stopwatch.Frequency);
        if (_shape.BitsPerSecond <= 0)
        {
            return now + delay;
        }
        long serialization = (long)(count / _shape.BytesPerSecond * Stopwatch.Frequency);
        lock (_gate)
        {
            _wireFreeAt = Math.Max(_wireFreeAt, now) + serialization;
            return _wireFreeAt + delay;
        }
    }
}
