using DataMesh.Storage.Io;

namespace DataMesh.Storage.Tests.Io;

public sealed class GroupCommitTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));
    private CancellationToken Ct => _timeout.Token;

    public void Dispose() => _timeout.Dispose();

    /// <summary>A barrier the test opens one run at a time, recording how many runs started and finished.</summary>
    private sealed class GatedBarrier : IDisposable
    {
        private readonly SemaphoreSlim _release = new(0);
        private readonly SemaphoreSlim _started = new(0);
        private int _finished;

        public int Finished => Volatile.Read(ref _finished);

        public void Run()
        {
            _started.Release();
            _release.Wait();
            Interlocked.Increment(ref _finished);
        }

        public Task WaitStartedAsync(CancellationToken ct) => _started.WaitAsync(ct);

        public void ReleaseOne() => _release.Release();

        public void Dispose()
        {
            _release.Dispose();
            _started.Dispose();
        }
    }

    [Fact]
    public async Task Callers_queued_behind_a_running_barrier_share_the_next_one()
    {
        using GatedBarrier barrier = new();
        using GroupCommit commit = new(barrier.Run);

        Task first = Task.Run(async () => await commit.SyncAsync(Ct), Ct);
        await barrier.WaitStartedAsync(Ct);
        Task[] queued = [.. Enumerable.Range(0, 8).Select(_ => Task.Run(async () => await commit.SyncAsync(Ct), Ct))];
        await WaitForCallersAsync(commit, 9); // all queued behind the running barrier

        barrier.ReleaseOne();
        await first;
        await barrier.WaitStartedAsync(Ct); // one of the queued callers runs the second barrier for all of them
        Assert.All(queued, t => Assert.False(t.IsCompleted));
        barrier.ReleaseOne();
        await Task.WhenAll(queued);

        Assert.Equal(2, barrier.Finished);
        Assert.Equal(2, commit.BarrierCount);
    }

    private static Task WaitForCallersAsync(GroupCommit commit, long callers) => Polling.WaitUntilAsync(() => commit.Callers >= callers);

    [Fact]
    public async Task A_caller_that_arrives_while_a_barrier_runs_is_not_covered_by_it()
    {
        using GatedBarrier barrier = new();
        using GroupCommit commit = new(barrier.Run);

        Task first = Task.Run(async () => await commit.SyncAsync(Ct), Ct);
        await barrier.WaitStartedAsync(Ct);
        Task late = Task.Run(async () => await commit.SyncAsync(Ct), Ct); // its writes may postdate the running barrier
        await WaitForCallersAsync(commit, 2);

        barrier.ReleaseOne();
        await first;
        Assert.False(late.IsCompleted);
        await barrier.WaitStartedAsync(Ct);
        barrier.ReleaseOne();
        await late;
        Assert.Equal(2, barrier.Finished);
    }

    [Fact]
    public async Task A_failed_barrier_reaches_its_caller_and_the_next_caller_runs_a_new_one()
    {
        int runs = 0;
        using GroupCommit commit = new(() =>
        {
            if (Interlocked.Increment(ref runs) == 1)
            {
                throw new IOException("device gone");
            }
        });

        await Assert.ThrowsAsync<IOException>(async () => await commit.SyncAsync(Ct));
        await commit.SyncAsync(Ct);
        Assert.Equal(2, runs);
        Assert.Equal(1, commit.BarrierCount);
    }

    [Fact]
    public async Task Sequential_callers_each_get_their_own_barrier()
    {
        int runs = 0;
        using GroupCommit commit = new(() => Interlocked.Increment(ref runs));
        for (int i = 0; i < 5; i++)
        {
            await commit.SyncAsync(Ct);
        }
        Assert.Equal(5, runs);
    }
}
