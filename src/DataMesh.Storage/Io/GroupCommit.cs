namespace DataMesh.Storage.Io;

/// <summary>Group commit: many writers share one durability barrier. A writer whose writes have completed calls
/// <see cref="SyncAsync"/>; it returns once a barrier that started after that call has finished. While one barrier
/// runs, later callers queue; the first of them to get the gate runs the next barrier for all of them, and the rest
/// find themselves already covered and return without one. Under load a put pays a fraction of a barrier instead of
/// its own.
/// <para>Correctness rests on one ordering: a caller takes its ticket only after its writes completed, and a barrier
/// covers every ticket taken before the barrier started (it reads the ticket counter first), so a completed barrier
/// with coverage ≥ ticket started after that caller's writes.</para></summary>
internal sealed class GroupCommit : IDisposable
{
    private readonly Action _barrier;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _requested;
    private long _covered;
    private long _barriers;

    /// <param name="barrier">Makes every write completed before it started durable (e.g. syncfs); blocking; throws
    /// <see cref="IOException"/> on failure, in which case no caller waiting on it is told it is durable.</param>
    public GroupCommit(Action barrier)
    {
        ArgumentNullException.ThrowIfNull(barrier);
        _barrier = barrier;
    }

    /// <summary>Barriers run so far (how many callers shared each one shows in a test or a benchmark).</summary>
    public long BarrierCount => Interlocked.Read(ref _barriers);

    /// <summary>Callers so far (tests wait on it to know every caller has queued).</summary>
    internal long Callers => Interlocked.Read(ref _requested);

    /// <summary>Returns once everything the caller wrote before calling is durable.</summary>
    public async ValueTask SyncAsync(CancellationToken cancellationToken)
    {
        long ticket = Interlocked.Increment(ref _requested);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _covered) >= ticket)
            {
                return; // a barrier that started after our writes has finished meanwhile
            }
            long covers = Interlocked.Read(ref _requested);
            _barrier();
            Interlocked.Increment(ref _barriers);
            Volatile.Write(ref _covered, covers);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
