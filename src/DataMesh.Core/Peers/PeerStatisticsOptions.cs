namespace DataMesh.Core.Peers;

/// <summary>Tuning of <see cref="PeerStatistics"/>; the defaults suit a node talking to tens to hundreds of peers.</summary>
internal sealed record PeerStatisticsOptions
{
    /// <summary>Peers tracked at most; beyond it the least recently seen peer is forgotten (banned peers last).</summary>
    public int MaxTrackedPeers { get; init; } = 1024;

    /// <summary>Weight of the newest sample in the latency, throughput and recent-success moving averages (0..1].</summary>
    public double SmoothingFactor { get; init; } = 0.2;

    /// <summary>Latest latency samples kept per peer for the percentiles.</summary>
    public int LatencySampleWindow { get; init; } = 64;

    /// <summary>A peer counts as responsive only if it answered successfully within this long.</summary>
    public TimeSpan ResponsiveWithin { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A peer counts as responsive only while its recent success rate is at least this.</summary>
    public double MinResponsiveSuccessRate { get; init; } = 0.5;

    /// <summary>How long a peer that returned corrupt data is excluded.</summary>
    public TimeSpan BanDuration { get; init; } = TimeSpan.FromMinutes(30);

    internal void Validate()
    {
        if (MaxTrackedPeers < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxTrackedPeers), MaxTrackedPeers, "At least one peer must be tracked.");
        }
        if (SmoothingFactor is <= 0 or > 1 || double.IsNaN(SmoothingFactor))
        {
            throw new ArgumentOutOfRangeException(nameof(SmoothingFactor), SmoothingFactor, "The smoothing factor must be in (0, 1].");
        }
        if (LatencySampleWindow is < 1 or > LatencyWindow.MaxCapacity)
        {
            throw new ArgumentOutOfRangeException(nameof(LatencySampleWindow), LatencySampleWindow, $"The latency window must hold 1..{LatencyWindow.MaxCapacity} samples.");
        }
        if (ResponsiveWithin <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ResponsiveWithin), ResponsiveWithin, "Must be positive.");
        }
        if (MinResponsiveSuccessRate is < 0 or > 1 || double.IsNaN(MinResponsiveSuccessRate))
        {
            throw new ArgumentOutOfRangeException(nameof(MinResponsiveSuccessRate), MinResponsiveSuccessRate, "Must be in [0, 1].");
        }
        if (BanDuration < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(BanDuration), BanDuration, "Must not be negative.");
        }
    }
}
