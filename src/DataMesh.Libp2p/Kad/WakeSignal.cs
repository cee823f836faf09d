namespace DataMesh.Libp2p.Kad;

/// <summary>A sleep that another thread can cut short: <see cref="WaitAsync"/> returns after the delay, or as soon
/// as <see cref="Set"/> is called (also when it was called since the last wait), whichever comes first.</summary>
internal sealed class WakeSignal
{
    private TaskCompletionSource _signal = NewSignal();

    public void Set() => Volatile.Read(ref _signal).TrySetResult();

    /// <summary>Waits up to <paramref name="delay"/>; true when woken by <see cref="Set"/>, false when the delay
    /// passed.</summary>
    public async Task<bool> WaitAsync(TimeSpan delay, TimeProvider time, CancellationToken cancellationToken)
    {
        TaskCompletionSource signal = Volatile.Read(ref _signal);
        try
        {
            if (!signal.Task.IsCompleted)
            {
                await signal.Task.WaitAsync(delay, time, cancellationToken).ConfigureAwait(false);
            }
            Interlocked.CompareExchange(ref _signal, NewSignal(), signal);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
