using System.Collections.Concurrent;

namespace DataMesh.Libp2p.Yamux;

internal sealed partial class YamuxSession
{
    private readonly ConcurrentDictionary<uint, TaskCompletionSource> _pendingPings = new();
    private int _nextPingValue;
    private long _roundTripTicks;

    /// <summary>The latest measured round-trip time (zero until the first ping is answered); drives window auto-tuning.</summary>
    internal TimeSpan RoundTripTime => TimeSpan.FromTicks(Interlocked.Read(ref _roundTripTicks));

    /// <summary>Sends a ping and returns the round-trip time once the peer answers it.</summary>
    /// <exception cref="YamuxSessionClosedException">The session ended before the answer.</exception>
    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken)
    {
        lock (_stateGate)
        {
            ThrowIfTerminatedLocked();
            if (!_started)
            {
                throw new InvalidOperationException("Start the yamux session before pinging.");
            }
        }

        uint value = (uint)Interlocked.Increment(ref _nextPingValue);
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingPings[value] = answered;
        try
        {
            long start = TimeProvider.GetTimestamp();
            if (IsClosed)
            {
                // Terminated between the check and the registration: the pending pings were already failed.
                throw new YamuxSessionClosedException("The yamux session has ended.", TerminationReason);
            }

            await EnqueueControlAsync(new YamuxFrameHeader(YamuxFrameType.Ping, YamuxFrameFlags.Syn, 0, value), awaitWritten: false, cancellationToken).ConfigureAwait(false);
            await answered.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            TimeSpan roundTrip = TimeProvider.GetElapsedTime(start);
            Interlocked.Exchange(ref _roundTripTicks, roundTrip.Ticks);
            return roundTrip;
        }
        finally
        {
            _pendingPings.TryRemove(value, out _);
        }
    }

    private async ValueTask HandlePingAsync(YamuxFrameHeader header, CancellationToken cancellationToken)
    {
        if ((header.Flags & YamuxFrameFlags.Syn) != 0)
        {
            await EnqueueControlAsync(new YamuxFrameHeader(YamuxFrameType.Ping, YamuxFrameFlags.Ack, 0, header.Length), awaitWritten: false, cancellationToken).ConfigureAwait(false);
        }
        else if ((header.Flags & YamuxFrameFlags.Ack) != 0 && _pendingPings.TryGetValue(header.Length, out TaskCompletionSource? answered))
        {
            answered.TrySetResult();
        }
    }

    private void FailPendingPings()
    {
        foreach (TaskCompletionSource answered in _pendingPings.Values)
        {
            answered.TrySetException(new YamuxSessionClosedException("The yamux session ended before the ping was answered.", TerminationReason));
        }
    }

    /// <summary>
    /// Measures the RTT once at start (for window auto-tuning), then pings every keep-alive interval; a ping not
    /// answered within the keep-alive timeout ends the session (only when keep-alives are enabled).
    /// </summary>
    private async Task KeepAliveLoopAsync()
    {
        CancellationToken cancellationToken = _shutdown.Token;
        try
        {
            bool answered = await TryPingAsync(cancellationToken).ConfigureAwait(false);
            if (Options.KeepAliveInterval is not { } interval)
            {
                return;
            }

            using var timer = new PeriodicTimer(interval, TimeProvider);
            while (answered && await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                answered = await TryPingAsync(cancellationToken).ConfigureAwait(false);
            }

            if (!answered)
            {
                Log.KeepAliveTimedOut(Logger, Options.KeepAliveTimeout);
                Terminate(new YamuxException($"The remote peer did not answer a keep-alive ping within {Options.KeepAliveTimeout}."), YamuxGoAwayCode.InternalError);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (YamuxSessionClosedException)
        {
        }
    }

    /// <summary>Pings with the keep-alive timeout; false when no answer came in time (the ping is then abandoned).</summary>
    private async Task<bool> TryPingAsync(CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<TimeSpan> ping = PingAsync(attempt.Token);
        try
        {
            await ping.WaitAsync(Options.KeepAliveTimeout, TimeProvider, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            if (!ping.IsCompleted)
            {
                await attempt.CancelAsync().ConfigureAwait(false);
                await ((Task)ping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}
