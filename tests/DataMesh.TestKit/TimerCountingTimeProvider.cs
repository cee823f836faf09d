using Microsoft.Extensions.Time.Testing;

namespace DataMesh.TestKit;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that counts the timers armed on it. Code waiting on the fake clock (a delay, a
/// timeout) arms a timer; a test waits until it has, then advances the clock or asserts that nothing happened yet,
/// instead of sleeping a while and hoping the code got there.
/// </summary>
public sealed class TimerCountingTimeProvider : FakeTimeProvider
{
    private int _armed;

    /// <summary>Timers due at some point that have neither fired (one-shot) nor been disposed or disarmed.</summary>
    public int ArmedTimers => Volatile.Read(ref _armed);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new CountedTimer(this, period);
        timer.SetArmed(dueTime != Timeout.InfiniteTimeSpan); // before the base timer exists: a zero due time fires at once
        timer.Attach(base.CreateTimer(s => { timer.OnFired(); callback(s); }, state, dueTime, period));
        return timer;
    }

    /// <summary>Tracks whether one timer is armed and keeps the provider's count in step.</summary>
    private sealed class CountedTimer(TimerCountingTimeProvider owner, TimeSpan period) : ITimer
    {
        private readonly Lock _gate = new();
        private ITimer? _inner;
        private TimeSpan _period = period;
        private bool _armed;
        private bool _disposed;

        public void Attach(ITimer inner) => _inner = inner;

        public void OnFired()
        {
            lock (_gate)
            {
                if (_period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero)
                {
                    SetArmedLocked(false);
                }
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (_gate)
            {
                _period = period;
                SetArmedLocked(!_disposed && dueTime != Timeout.InfiniteTimeSpan);
            }
            return _inner!.Change(dueTime, period);
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                SetArmedLocked(false);
            }
            _inner!.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        public void SetArmed(bool armed)
        {
            lock (_gate)
            {
                SetArmedLocked(armed);
            }
        }

        private void SetArmedLocked(bool armed)
        {
            if (armed != _armed)
            {
                _armed = armed;
                Interlocked.Add(ref owner._armed, armed ? 1 : -1);
            }
        }
    }
}
