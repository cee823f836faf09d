using DataMesh.Storage.Addressing;
using DataMesh.Storage.ChunkStore;
using DataMesh.Storage.Tests.TestSupport;
using Store = DataMesh.Storage.ChunkStore.ChunkStore;

namespace DataMesh.Storage.Tests.ChunkStore;

public sealed class ChunkStoreConcurrencyTests : IDisposable
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
    public async Task Parallel_writers_readers_and_deleters_never_see_a_torn_shard_and_keep_usage_exact()
    {
        byte[][] shards = [.. Enumerable.Range(0, 16).Select(i => TestData.Bytes(20_000 + (i * 1000), 100 + i))];
        ContentHash[] addresses = [.. shards.Select(s => ContentHash.Compute(s))];
        using Store store = await Store.OpenAsync(new ChunkStoreOptions(_dir.Path) { FlushToDisk = false }, null, Ct);

        int successfulReads = 0;
        IEnumerable<Task> workers = Enumerable.Range(0, 24).Select(worker => Task.Run(async () =>
        {
            Random random = new(worker);
            for (int step = 0; step < 150; step++)
            {
                int i = random.Next(shards.Length);
                switch (random.Next(4))
                {
                    case 0:
                    case 1:
                        Assert.Equal(addresses[i], await store.PutAsync(shards[i], Ct));
                        break;
                    case 2:
                        using (ShardBuffer? read = await store.TryGetAsync(addresses[i], Ct))
                        {
                            if (read is not null)
                            {
                                Assert.True(read.Span.SequenceEqual(shards[i]));
                                Interlocked.Increment(ref successfulReads);
                            }
                        }
                        break;
                    default:
                        await store.DeleteAsync(addresses[i], Ct);
                        break;
                }
            }
        }, Ct));
        await Task.WhenAll(workers);

        long expected = 0, count = 0;
        foreach (int i in Enumerable.Range(0, shards.Length))
        {
            if (store.Contains(addresses[i]))
            {
                expected += shards[i].Length;
                count++;
            }
        }
        Assert.Equal(expected, store.UsedBytes);
        Assert.Equal(count, store.ShardCount);
        Assert.True(successfulReads > 0);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_dir.Path, "tmp")));
    }

    [Fact]
    public async Task Many_writers_of_one_shard_store_it_once()
    {
        byte[] shard = TestData.Bytes(100_000, 7);
        using Store store = await Store.OpenAsync(new ChunkStoreOptions(_dir.Path) { FlushToDisk = false }, null, Ct);

        await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () => await store.PutAsync(shard, Ct), Ct)));

        Assert.Equal(shard.Length, store.UsedBytes);
        Assert.Equal(1, store.ShardCount);
    }

    [Fact]
    public async Task Concurrent_writers_cannot_jointly_overshoot_the_capacity()
    {
        byte[][] shards = [.. Enumerable.Range(0, 40).Select(i => TestData.Bytes(1000, 300 + i))];
        using Store store = await Store.OpenAsync(new ChunkStoreOptions(_dir.Path) { MaxStorageBytes = 10_500, FlushToDisk = false }, null, Ct);
        int full = 0;

        await Task.WhenAll(shards.Select(s => Task.Run(async () =>
        {
            try
            {
                await store.PutAsync(s, Ct);
            }
            catch (StoreFullException)
            {
                Interlocked.Increment(ref full);
            }
        }, Ct)));

        Assert.Equal(10, store.ShardCount);
        Assert.Equal(10_000, store.UsedBytes);
        Assert.Equal(30, full);
    }

    [Fact]
    public async Task A_reader_holding_a_shard_open_finishes_even_if_it_is_deleted_meanwhile()
    {
        byte[] shard = TestData.Bytes(2_000_000, 8);
        using Store store = await Store.OpenAsync(new ChunkStoreOptions(_dir.Path) { FlushToDisk = false }, null, Ct);
        ContentHash address = await store.PutAsync(shard, Ct);

        for (int round = 0; round < 20; round++)
        {
            Task<ShardBuffer?> read = Task.Run(async () => await store.TryGetAsync(address, Ct), Ct);
            Task delete = Task.Run(async () => await store.DeleteAsync(address, Ct), Ct);
            await delete;
            using (ShardBuffer? result = await read)
            {
                Assert.True(result is null || result.Span.SequenceEqual(shard));
            }
            await store.PutAsync(shard, Ct);
        }
    }
}
