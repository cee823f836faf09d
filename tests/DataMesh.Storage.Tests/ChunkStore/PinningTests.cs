using DataMesh.Storage.Addressing;
using DataMesh.Storage.ChunkStore;
using DataMesh.Storage.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;
using Store = DataMesh.Storage.ChunkStore.ChunkStore;

namespace DataMesh.Storage.Tests.ChunkStore;

public sealed class PinningTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _timeout.Dispose();
        _dir.Dispose();
    }

    private Task<Store> OpenAsync() => Store.OpenAsync(
        new ChunkStoreOptions(_dir.Path) { GarbageGracePeriod = TimeSpan.FromHours(1), TimeProvider = _time, FlushToDisk = false }, null, Ct);

    [Fact]
    public async Task Garbage_collection_keeps_pinned_and_young_shards_and_frees_the_rest()
    {
        using Store store = await OpenAsync();
        ContentHash a = await store.PutAsync(TestData.Bytes(100, 1), Ct);
        ContentHash b = await store.PutAsync(TestData.Bytes(200, 2), Ct);
        ContentHash c = await store.PutAsync(TestData.Bytes(300, 3), Ct);
        await store.PinAsync("manifest-1", [a], Ct);
        await store.PinAsync("held-for-peers", [b, ContentHash.Compute([9])], Ct);

        GarbageCollectionResult early = await store.CollectGarbageAsync(Ct);
        Assert.Equal(new GarbageCollectionResult(0, 0, 3), early); // c is unpinned but inside the grace period

        _time.Advance(TimeSpan.FromHours(2));
        GarbageCollectionResult late = await store.CollectGarbageAsync(Ct);
        Assert.Equal(new GarbageCollectionResult(1, 300, 2), late);
        Assert.True(store.Contains(a));
        Assert.True(store.Contains(b));
        Assert.False(store.Contains(c));
        Assert.Equal(300, store.UsedBytes);

        Assert.True(await store.UnpinAsync("held-for-peers", Ct));
        Assert.False(await store.UnpinAsync("held-for-peers", Ct));
        GarbageCollectionResult after = await store.CollectGarbageAsync(Ct);
        Assert.Equal(new GarbageCollectionResult(1, 200, 1), after);
        Assert.False(store.Contains(b));
    }

    [Fact]
    public async Task A_shard_named_by_two_pins_survives_until_both_are_gone()
    {
        using Store store = await OpenAsync();
        ContentHash shared = await store.PutAsync(TestData.Bytes(100, 4), Ct);
        await store.PinAsync("one", [shared], Ct);
        await store.PinAsync("two", [shared, shared], Ct);
        _time.Advance(TimeSpan.FromHours(2));

        await store.UnpinAsync("one", Ct);
        Assert.True(store.IsPinned(shared));
        Assert.Equal(0, (await store.CollectGarbageAsync(Ct)).ShardsDeleted);

        await store.PinAsync("two", [], Ct); // replacing a pin drops what it used to name
        Assert.False(store.IsPinned(shared));
        Assert.Equal(1, (await store.CollectGarbageAsync(Ct)).ShardsDeleted);
    }

    [Fact]
    public async Task Pins_survive_reopening()
    {
        ContentHash a, b;
        using (Store store = await OpenAsync())
        {
            a = await store.PutAsync(TestData.Bytes(100, 5), Ct);
            b = await store.PutAsync(TestData.Bytes(100, 6), Ct);
            await store.PinAsync("m", [a, b], Ct);
        }
        using Store reopened = await OpenAsync();
        Assert.Equal(["m"], reopened.PinIds);
        Assert.Equal(new[] { a, b }.Select(h => h.ToString()).Order(), reopened.GetPin("m")!.Select(h => h.ToString()).Order());
        _time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, (await reopened.CollectGarbageAsync(Ct)).ShardsDeleted);
    }

    [Fact]
    public async Task A_damaged_pin_file_stops_garbage_collection_instead_of_unprotecting_shards()
    {
        using (Store store = await OpenAsync())
        {
            await store.PutAsync(TestData.Bytes(100, 7), Ct);
            await store.PinAsync("m", [ContentHash.Compute(TestData.Bytes(100, 7))], Ct);
        }
        string pinFile = Path.Combine(_dir.Path, "pins", "m.pin");
        byte[] bytes = await File.ReadAllBytesAsync(pinFile, Ct);
        bytes[12] ^= 0xFF;
        await File.WriteAllBytesAsync(pinFile, bytes, Ct);

        using Store reopened = await OpenAsync();
        _time.Advance(TimeSpan.FromHours(2));
        StorageException ex = await Assert.ThrowsAsync<StorageException>(() => reopened.CollectGarbageAsync(Ct));
        Assert.Contains("m.pin", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, reopened.ShardCount);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".hidden")]
    [InlineData("a/b")]
    [InlineData("..")]
    public async Task Pin_ids_that_are_not_safe_file_names_are_refused(string id)
    {
        using Store store = await OpenAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => store.PinAsync(id, [], Ct));
    }

    [Fact]
    public async Task Re_putting_an_old_unpinned_shard_restarts_its_grace_period()
    {
        using Store store = await OpenAsync();
        byte[] shard = TestData.Bytes(100, 8);
        await store.PutAsync(shard, Ct);
        _time.Advance(TimeSpan.FromHours(2));
        await store.PutAsync(shard, Ct);
        Assert.Equal(0, (await store.CollectGarbageAsync(Ct)).ShardsDeleted);
    }
}
