using DataMesh.Storage.Addressing;
using DataMesh.Storage.ChunkStore;
using DataMesh.Storage.Io;
using DataMesh.Storage.Tests.TestSupport;
using Store = DataMesh.Storage.ChunkStore.ChunkStore;

namespace DataMesh.Storage.Tests.ChunkStore;

public sealed class ChunkStoreGroupCommitTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _timeout.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task Concurrent_puts_share_durability_barriers_and_every_shard_is_stored_whole()
    {
        byte[][] shards = [.. Enumerable.Range(0, 48).Select(i => TestData.Bytes(8192 + 16 + i, 500 + i))];
        int barriers = 0;
        var options = new ChunkStoreOptions(_dir.Path)
        {
            // The first barrier waits until every put has written its temp file and queued behind it, so the
            // sharing asserted below does not depend on how the thread pool happened to interleave the puts.
            BeforeBarrier = () =>
            {
                if (Interlocked.Increment(ref barriers) == 1)
                {
                    SpinWait.SpinUntil(() => Directory.EnumerateFiles(_dir.Combine("tmp")).Count() == shards.Length, TimeSpan.FromSeconds(30));
                }
            },
        };
        using (Store store = await Store.OpenAsync(options, null, Ct))
        {
            ContentHash[] addresses = await Task.WhenAll(shards.Select(s => Task.Run(async () => await store.PutAsync(s, Ct), Ct)));
            Assert.Equal(shards.Select(s => ContentHash.Compute(s)), addresses);
            if (FileSystemSync.IsSupported)
            {
                // Two barriers per put (bytes before the rename, the name after it) without sharing.
                Assert.InRange(store.DurabilityBarriers, 1, (2 * shards.Length) - 1);
            }
            else
            {
                Assert.Equal(0, store.DurabilityBarriers);
            }
        }

        using Store reopened = await Store.OpenAsync(new ChunkStoreOptions(_dir.Path), null, Ct);
        Assert.Equal(shards.Length, reopened.ShardCount);
        Assert.Equal(shards.Sum(s => (long)s.Length), reopened.UsedBytes);
        foreach (byte[] shard in shards)
        {
            using ShardBuffer? read = await reopened.TryGetAsync(ContentHash.Compute(shard), Ct);
            Assert.NotNull(read);
            Assert.True(read.Span.SequenceEqual(shard));
        }
        Assert.Empty(Directory.EnumerateFiles(_dir.Combine("tmp")));
    }

    [Fact]
    public async Task A_put_of_a_stored_shard_waits_for_a_barrier_too()
    {
        byte[] shard = TestData.Bytes(5000, 3);
        using Store store = await Store.OpenAsync(new ChunkStoreOptions(_dir.Path), null, Ct);
        await store.PutAsync(shard, Ct);
        long before = store.DurabilityBarriers;

        await store.PutAsync(shard, Ct); // another writer's rename may not be durable yet: the repeat put waits for one

        Assert.Equal(FileSystemSync.IsSupported ? before + 1 : 0, store.DurabilityBarriers);
        Assert.Equal(1, store.ShardCount);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task Without_group_commit_or_without_flushing_no_shared_barrier_runs(bool flushToDisk, bool groupCommit)
    {
        byte[][] shards = [.. Enumerable.Range(0, 8).Select(i => TestData.Bytes(6000 + i, 40 + i))];
        using Store store = await Store.OpenAsync(new ChunkStoreOptions(_dir.Path) { FlushToDisk = flushToDisk, GroupCommit = groupCommit }, null, Ct);

        await Task.WhenAll(shards.Select(s => Task.Run(async () => await store.PutAsync(s, Ct), Ct)));

        Assert.Equal(0, store.DurabilityBarriers);
        Assert.Equal(shards.Length, store.ShardCount);
        foreach (byte[] shard in shards)
        {
            Assert.True(store.Contains(ContentHash.Compute(shard)));
        }
    }
}

public sealed class ChunkStoreGroupCommitOrderTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _timeout.Dispose();
        _dir.Dispose();
    }

    private string ShardPath(ContentHash address) => new StoreLayout(_dir.Path).ShardPath(address);

    [Fact]
    public async Task The_bytes_are_made_durable_before_the_rename_and_the_name_before_the_put_returns()
    {
        if (!FileSystemSync.IsSupported)
        {
            return;
        }
        byte[] shard = TestData.Bytes(12_000, 9);
        ContentHash address = ContentHash.Compute(shard);
        List<(bool TempWritten, bool Named)> seen = [];
        ChunkStoreOptions options = new(_dir.Path)
        {
            BeforeBarrier = () => seen.Add((Directory.EnumerateFiles(_dir.Combine("tmp")).Any(), File.Exists(ShardPath(address)))),
        };
        using Store store = await Store.OpenAsync(options, null, Ct);

        await store.PutAsync(shard, Ct);

        // First barrier: the temp file is written and not yet renamed. Second: the name exists and is being made durable.
        Assert.Equal([(true, false), (false, true)], seen);
    }

    [Fact]
    public async Task A_failed_barrier_fails_the_put_and_returns_its_reservation()
    {
        if (!FileSystemSync.IsSupported)
        {
            return;
        }
        byte[] shard = TestData.Bytes(12_000, 10);
        int barriers = 0;
        ChunkStoreOptions options = new(_dir.Path)
        {
            MaxStorageBytes = 20_000,
            BeforeBarrier = () =>
            {
                if (Interlocked.Increment(ref barriers) == 1)
                {
                    throw new IOException("write-back failed");
                }
            },
        };
        using Store store = await Store.OpenAsync(options, null, Ct);

        await Assert.ThrowsAsync<IOException>(async () => await store.PutAsync(shard, Ct));
        Assert.Equal(0, store.UsedBytes);
        Assert.Equal(0, store.ShardCount);
        Assert.False(store.Contains(ContentHash.Compute(shard)));
        Assert.Empty(Directory.EnumerateFiles(_dir.Combine("tmp")));

        await store.PutAsync(shard, Ct); // the reservation was returned: the same shard fits again
        Assert.Equal(shard.Length, store.UsedBytes);
    }
}
