using DataMesh.Storage.Addressing;
using DataMesh.Storage.ChunkStore;
using DataMesh.Storage.Tests.TestSupport;
using Store = DataMesh.Storage.ChunkStore.ChunkStore;

namespace DataMesh.Storage.Tests.ChunkStore;

public sealed class ChunkStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));
    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _timeout.Dispose();
        _dir.Dispose();
    }

    private Task<Store> OpenAsync(long max = long.MaxValue, int maxShard = ChunkStoreOptions.DefaultMaxShardBytes) =>
        Store.OpenAsync(new ChunkStoreOptions(_dir.Path) { MaxStorageBytes = max, MaxShardBytes = maxShard }, null, Ct);

    [Fact]
    public async Task Put_then_get_returns_the_bytes_under_their_blake3_address_in_a_fanned_out_folder()
    {
        using Store store = await OpenAsync();
        byte[] shard = TestData.Bytes(10_000, 1);

        ContentHash address = await store.PutAsync(shard, Ct);

        Assert.Equal(ContentHash.Compute(shard), address);
        string hex = address.ToString();
        Assert.True(File.Exists(Path.Combine(_dir.Path, "shards", hex[..2], hex[2..4], hex)));
        using ShardBuffer? read = await store.TryGetAsync(address, Ct);
        Assert.NotNull(read);
        Assert.Equal(shard, read.Span.ToArray());
        Assert.Equal(shard.Length, store.UsedBytes);
        Assert.Equal(1, store.ShardCount);
        Assert.True(store.Contains(address));
        Assert.True(await store.ContainsAsync(address, Ct));
    }

    [Fact]
    public async Task Putting_the_same_shard_twice_stores_and_counts_it_once()
    {
        using Store store = await OpenAsync();
        byte[] shard = TestData.Bytes(5000, 2);
        await store.PutAsync(shard, Ct);
        await store.PutAsync(ContentHash.Compute(shard), shard, Ct);
        Assert.Equal(5000, store.UsedBytes);
        Assert.Equal(1, store.ShardCount);
    }

    [Fact]
    public async Task Empty_shard_round_trips()
    {
        using Store store = await OpenAsync();
        ContentHash address = await store.PutAsync(ReadOnlyMemory<byte>.Empty, Ct);
        using ShardBuffer? read = await store.TryGetAsync(address, Ct);
        Assert.NotNull(read);
        Assert.Equal(0, read.Length);
    }

    [Fact]
    public async Task Put_with_the_wrong_expected_hash_is_refused_and_stores_nothing()
    {
        using Store store = await OpenAsync();
        byte[] shard = TestData.Bytes(100, 3);
        ContentHash wrong = ContentHash.Compute([1, 2, 3]);

        ShardHashMismatchException ex = await Assert.ThrowsAsync<ShardHashMismatchException>(() => store.PutAsync(wrong, shard, Ct).AsTask());

        Assert.Equal(wrong, ex.Expected);
        Assert.Equal(ContentHash.Compute(shard), ex.Actual);
        Assert.Equal(0, store.UsedBytes);
        Assert.False(store.Contains(wrong));
    }

    [Fact]
    public async Task Oversized_shard_is_refused_before_hashing()
    {
        using Store store = await OpenAsync(maxShard: 1024);
        ShardTooLargeException ex = await Assert.ThrowsAsync<ShardTooLargeException>(() => store.PutAsync(new byte[1025], Ct).AsTask());
        Assert.Equal(1025, ex.Size);
        Assert.Equal(1024, ex.Limit);
    }

    [Fact]
    public async Task Write_past_capacity_fails_with_used_limit_and_needed()
    {
        using Store store = await OpenAsync(max: 1500);
        await store.PutAsync(TestData.Bytes(1000, 4), Ct);

        StoreFullException ex = await Assert.ThrowsAsync<StoreFullException>(() => store.PutAsync(TestData.Bytes(501, 5), Ct).AsTask());

        Assert.Equal(1000, ex.UsedBytes);
        Assert.Equal(1500, ex.LimitBytes);
        Assert.Equal(501, ex.NeededBytes);
        Assert.Contains("1000", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1000, store.UsedBytes);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_dir.Path, "tmp")));
        await store.PutAsync(TestData.Bytes(500, 6), Ct); // exactly fills it
        Assert.Equal(1500, store.UsedBytes);
    }

    [Fact]
    public async Task A_corrupted_shard_is_detected_removed_and_reported()
    {
        using Store store = await OpenAsync();
        byte[] shard = TestData.Bytes(4096, 7);
        ContentHash address = await store.PutAsync(shard, Ct);
        string path = ShardPath(address);
        byte[] damaged = (byte[])shard.Clone();
        damaged[100] ^= 0x01;
        await File.WriteAllBytesAsync(path, damaged, Ct);

        CorruptShardException ex = await Assert.ThrowsAsync<CorruptShardException>(() => store.TryGetAsync(address, Ct).AsTask());

        Assert.Equal(address, ex.Expected);
        Assert.Equal(ContentHash.Compute(damaged), ex.Actual);
        Assert.False(File.Exists(path));
        Assert.Equal(0, store.UsedBytes);
        Assert.Null(await store.TryGetAsync(address, Ct));
        await store.PutAsync(shard, Ct); // a good copy can be stored again
        using ShardBuffer? again = await store.TryGetAsync(address, Ct);
        Assert.Equal(shard, again!.Span.ToArray());
    }

    [Fact]
    public async Task ReadInto_verifies_too()
    {
        using Store store = await OpenAsync();
        byte[] shard = TestData.Bytes(3000, 8);
        ContentHash address = await store.PutAsync(shard, Ct);
        byte[] destination = new byte[4000];

        Assert.Equal(3000, await store.ReadIntoAsync(address, destination, Ct));
        Assert.Equal(shard, destination[..3000]);
        await Assert.ThrowsAsync<ArgumentException>(() => store.ReadIntoAsync(address, new byte[2999], Ct).AsTask());

        await File.WriteAllBytesAsync(ShardPath(address), shard[..2000], Ct); // truncated from outside
        await Assert.ThrowsAsync<CorruptShardException>(() => store.ReadIntoAsync(address, destination, Ct).AsTask());
        await Assert.ThrowsAsync<ShardNotFoundException>(() => store.ReadIntoAsync(address, destination, Ct).AsTask());
    }

    [Fact]
    public async Task A_shard_file_over_the_size_limit_is_treated_as_corrupt_without_buffering_it()
    {
        using Store store = await OpenAsync(maxShard: 1000);
        byte[] shard = TestData.Bytes(1000, 9);
        ContentHash address = await store.PutAsync(shard, Ct);
        await File.WriteAllBytesAsync(ShardPath(address), new byte[5000], Ct);

        await Assert.ThrowsAsync<CorruptShardException>(() => store.TryGetAsync(address, Ct).AsTask());
        Assert.False(store.Contains(address));
    }

    [Fact]
    public async Task Reopen_counts_usage_discards_unfinished_writes_and_ignores_stray_files()
    {
        List<ContentHash> stored = [];
        using (Store store = await OpenAsync())
        {
            for (int i = 0; i < 5; i++)
            {
                stored.Add(await store.PutAsync(TestData.Bytes(1000 + i, 10 + i), Ct));
            }
        }
        string leftover = Path.Combine(_dir.Path, "tmp", "crashed.part");
        await File.WriteAllBytesAsync(leftover, new byte[777], Ct);
        await File.WriteAllTextAsync(Path.Combine(_dir.Path, "shards", "README"), "not a shard", Ct);

        using Store reopened = await OpenAsync();

        Assert.Equal(5000 + 10, reopened.UsedBytes);
        Assert.Equal(5, reopened.ShardCount);
        Assert.False(File.Exists(leftover));
        List<ContentHash> listed = [];
        await foreach (ContentHash hash in reopened.ListAsync(Ct))
        {
            listed.Add(hash);
        }
        Assert.Equal(stored.Select(h => h.ToString()).Order(), listed.Select(h => h.ToString()).Order());
    }

    [Fact]
    public async Task A_store_cannot_be_opened_twice_at_once()
    {
        using Store store = await OpenAsync();
        await Assert.ThrowsAsync<StorageException>(() => OpenAsync());
    }

    [Fact]
    public async Task Stat_and_delete()
    {
        using Store store = await OpenAsync();
        DateTimeOffset before = DateTimeOffset.UtcNow.AddSeconds(-5);
        ContentHash address = await store.PutAsync(TestData.Bytes(1234, 20), Ct);

        ShardInfo? info = await store.StatAsync(address, Ct);
        Assert.NotNull(info);
        Assert.Equal(1234, info.Value.Size);
        Assert.InRange(info.Value.CreatedUtc, before, DateTimeOffset.UtcNow.AddSeconds(5));

        Assert.True(await store.DeleteAsync(address, Ct));
        Assert.False(await store.DeleteAsync(address, Ct));
        Assert.Null(await store.StatAsync(address, Ct));
        Assert.Equal(0, store.UsedBytes);
        Assert.Equal(0, store.ShardCount);
    }

    private string ShardPath(ContentHash address)
    {
        string hex = address.ToString();
        return Path.Combine(_dir.Path, "shards", hex[..2], hex[2..4], hex);
    }
}

public sealed class DiskFullTests
{
    [Fact]
    public void The_operating_systems_no_space_error_is_recognised_and_others_are_not()
    {
        int noSpace = OperatingSystem.IsWindows() ? unchecked((int)0x80070070) : 28;
        Assert.True(DiskFull.Is(new IOException("no space", noSpace)));
        Assert.False(DiskFull.Is(new IOException("other", OperatingSystem.IsWindows() ? unchecked((int)0x80070005) : 13)));
    }
}
