using DataMesh.Storage.Addressing;
using DataMesh.Storage.ChunkStore;
using DataMesh.Storage.Io;
using DataMesh.Storage.Tests.TestSupport;
using Store = DataMesh.Storage.ChunkStore.ChunkStore;

namespace DataMesh.Storage.Tests.ChunkStore;

/// <summary>Shards in aligned memory go to and from disk with direct I/O (body direct, tail buffered); everything
/// else through the page cache. Both must store and return exactly the same bytes, durably named.</summary>
public sealed class ChunkStoreDirectIoTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));
    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _timeout.Dispose();
        _dir.Dispose();
    }

    public static TheoryData<int, bool> Shards => new()
    {
        { 4095, true },
        { 4096, true },
        { 4097, true },
        { (64 * 1024) + 16, true },  // a sealed 64 KiB chunk: 16 bytes past a block boundary
        { (1 << 20) + 16, true },
        { (64 * 1024) + 16, false }, // unaligned memory, e.g. a shard received from a peer
        { 4096, false },
    };

    [Theory]
    [MemberData(nameof(Shards))]
    public async Task Shards_round_trip_exactly_through_aligned_and_unaligned_memory(int length, bool aligned)
    {
        using Store store = await Store.OpenAsync(new ChunkStoreOptions(_dir.Path), null, Ct);
        byte[] bytes = TestData.Bytes(length, length + (aligned ? 1 : 0));
        using AlignedBuffer lease = AlignedBufferPool.Shared.Rent(length + 1);
        Memory<byte> shard = aligned ? lease.Memory[..length] : lease.Memory[1..];
        bytes.CopyTo(shard);

        ContentHash address = await store.PutAsync(shard, Ct);

        Assert.Equal(ContentHash.Compute(bytes), address);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_dir.Path, "tmp")));
        using (ShardBuffer? read = await store.TryGetAsync(address, Ct))
        {
            Assert.NotNull(read);
            Assert.Equal(bytes, read.Span.ToArray());
            Assert.True(DirectIo.IsAligned(read.Memory)); // read shards can be written out directly again
        }
        using AlignedBuffer destination = AlignedBufferPool.Shared.Rent(length + 10);
        foreach (Memory<byte> into in new[] { destination.Memory, destination.Memory[3..] })
        {
            into.Span.Clear();
            Assert.Equal(length, await store.ReadIntoAsync(address, into, Ct));
            Assert.Equal(bytes, into[..length].ToArray());
        }
    }

    [Fact]
    public async Task A_shard_whose_tail_was_damaged_on_disk_is_detected_when_read_directly()
    {
        using Store store = await Store.OpenAsync(new ChunkStoreOptions(_dir.Path), null, Ct);
        using AlignedBuffer lease = AlignedBufferPool.Shared.Rent(3 * 4096);
        TestData.Bytes(lease.Length, 9).CopyTo(lease.Memory);
        ContentHash address = await store.PutAsync(lease.Memory, Ct);
        string hex = address.ToString();
        string path = Path.Combine(_dir.Path, "shards", hex[..2], hex[2..4], hex);
        byte[] onDisk = await File.ReadAllBytesAsync(path, Ct);
        onDisk[4096 + 7] ^= 1; // inside the directly read body
        await File.WriteAllBytesAsync(path, onDisk, Ct);

        await Assert.ThrowsAsync<CorruptShardException>(() => store.TryGetAsync(address, Ct).AsTask());
        Assert.False(store.Contains(address));
    }

    [Fact]
    public async Task Durable_puts_create_and_name_fresh_fan_out_folders()
    {
        using Store store = await Store.OpenAsync(new ChunkStoreOptions(_dir.Path) { FlushToDisk = true }, null, Ct);
        ContentHash[] addresses = await Task.WhenAll(Enumerable.Range(0, 24).Select(async i =>
        {
            using AlignedBuffer lease = AlignedBufferPool.Shared.Rent(8192 + 16);
            TestData.Bytes(lease.Length, 100 + (i % 12)).CopyTo(lease.Memory); // each shard written twice, concurrently
            return await store.PutAsync(lease.Memory, Ct);
        }));

        Assert.Equal(12, addresses.Distinct().Count());
        Assert.Equal(12, store.ShardCount);
        Assert.Equal(12L * (8192 + 16), store.UsedBytes);
        foreach (ContentHash address in addresses)
        {
            using ShardBuffer? read = await store.TryGetAsync(address, Ct);
            Assert.NotNull(read);
        }
    }
}
