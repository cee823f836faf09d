namespace DataMesh.Libp2p.Yamux;

/// <summary>
/// Receive-side flow control of one stream: how many bytes the peer may still send (credit), how many are
/// buffered for the application, and when and by how much to grant more (window updates). The memory a stream
/// holds is bounded by <see cref="WindowSize"/>: credit plus buffered bytes never exceed it.
/// </summary>
/// <remarks>
/// Auto-tuning follows go-yamux: when the application consumed half a window within four round trips of the
/// previous update, the window (not the reader) is the bottleneck, so it doubles, up to the maximum and within
/// the session budget. Not thread-safe: the owning stream serialises calls.
/// </remarks>
internal sealed class ReceiveWindow
{
    private readonly uint _baseline;
    private readonly uint _maxWindow;
    private readonly TimeProvider _timeProvider;
    private readonly YamuxWindowBudget? _budget;
    private long _epochTimestamp;

    /// <param name="initialWindow">The window this side grants; when above the spec's 256 KiB the difference is announced by the first update.</param>
    /// <param name="reservedGrant">The part of <paramref name="initialWindow"/> the caller already reserved from
    /// <paramref name="budget"/> (an up-front grant larger than the session's usual window); it counts as growth, so
    /// it goes back to the budget with the rest when the stream ends.</param>
    public ReceiveWindow(uint initialWindow, uint maxWindow, TimeProvider timeProvider, YamuxWindowBudget? budget = null, uint reservedGrant = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initialWindow, (uint)YamuxOptions.SpecInitialWindowSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWindow, initialWindow);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(reservedGrant, initialWindow - YamuxOptions.SpecInitialWindowSize);
        _baseline = initialWindow - reservedGrant;
        _maxWindow = maxWindow;
        _timeProvider = timeProvider;
        _budget = budget;
        WindowSize = initialWindow;
        Credit = YamuxOptions.SpecInitialWindowSize;
        _epochTimestamp = timeProvider.GetTimestamp();
    }

    /// <summary>The current window: the most this stream will ever buffer.</summary>
    public uint WindowSize { get; private set; }

    /// <summary>Bytes the peer may still send without a further update.</summary>
    public uint Credit { get; private set; }

    /// <summary>Bytes received and not yet consumed by the application.</summary>
    public uint Buffered { get; private set; }

    /// <summary>How far the window exceeds the session's usual initial size (an up-front grant, then auto-tuning),
    /// all of it reserved from the session budget.</summary>
    public uint Growth => WindowSize - _baseline;

    /// <summary>Window consumed by the application but not yet granted back to the peer.</summary>
    public uint Unannounced => WindowSize - Credit - Buffered;

    /// <summary>True once half the window was consumed since the last update (updates are batched).</summary>
    public bool UpdateDue => Unannounced >= WindowSize / 2;

    /// <summary>Accounts a data frame; false when it exceeds the credit the peer was given (a protocol violation).</summary>
    public bool TryReceive(uint length)
    {
        if (length > Credit)
        {
            return false;
        }

        Credit -= length;
        Buffered += length;
        return true;
    }

    /// <summary>The application consumed <paramref name="length"/> buffered bytes.</summary>
    public void Consume(uint length)
    {
        if (length > Buffered)
        {
            throw new InvalidOperationException($"Consumed {length} bytes but only {Buffered} are buffered.");
        }

        Buffered -= length;
    }

    /// <summary>
    /// Computes the delta of the next window update and marks it granted. Returns 0 when no update is due
    /// (fewer than half a window unannounced) unless <paramref name="force"/> (an opening SYN/ACK frame).
    /// </summary>
    /// <param name="roundTripTime">The session's latest RTT estimate; zero disables auto-tuning.</param>
    public uint TakeUpdate(TimeSpan roundTripTime, bool force)
    {
        if (!UpdateDue && !force)
        {
            return 0;
        }

        long now = _timeProvider.GetTimestamp();
        if (!force && roundTripTime > TimeSpan.Zero && WindowSize < _maxWindow
            && _timeProvider.GetElapsedTime(_epochTimestamp, now) < roundTripTime * 4)
        {
            Grow();
        }

        _epochTimestamp = now;
        uint delta = Unannounced;
        Credit += delta;
        return delta;
    }

    /// <summary>
    /// Grows the window to <paramref name="target"/> (at most the maximum) at once, the growth reserved from the
    /// session budget like auto-tuning's, so the next update can grant it: for an application that learns from a
    /// request's header how large its body is. False when the window is already that large or the budget is spent
    /// (the stream keeps its window and auto-tuning, slower but never refused).
    /// </summary>
    public bool TryGrowTo(uint target)
    {
        target = Math.Min(target, _maxWindow);
        if (target <= WindowSize)
        {
            return false;
        }

        uint growth = target - WindowSize;
        if (_budget is not null && !_budget.TryReserve(growth))
        {
            return false;
        }

        WindowSize = target;
        return true;
    }

    /// <summary>Returns the growth reservation to the session budget (the stream is gone).</summary>
    public void ReleaseGrowth()
    {
        uint growth = Growth;
        if (growth > 0)
        {
            _budget?.Release(growth);
            WindowSize = _baseline;
        }
    }

    /// <summary>Auto-tuning's step: double the window, up to the maximum, if the session budget allows.</summary>
    private void Grow() => TryGrowTo(WindowSize > _maxWindow / 2 ? _maxWindow : WindowSize * 2);
}
