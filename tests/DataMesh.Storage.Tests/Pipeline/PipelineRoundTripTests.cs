using DataMesh.Storage.Addressing;
using DataMesh.Storage.ChunkStore;
using DataMesh.Storage.Chunking;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Manifests;
using DataMesh.Storage.Pipeline;
using DataMesh.Storage.Tests.TestSupport;
using Store = DataMesh.Storage.ChunkStore.ChunkStore;

namespace DataMesh.Storage.Tests.Pipeline;

public sealed class PipelineRoundTripTests(PipelineFixture fixture) : IClassFixture<PipelineFixture>, IDisposable
{
    private const int Chunk = ChunkSizes.Min;
    private readonly TempDirectory _dir = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _timeout.Dispose();
        _dir.Dispose();
    }

    public static TheoryData<int> Sizes => new()
    {
        0,
        1,
        Chunk,                 // exactly one chunk
        3 * Chunk,             // exactly k chunks: one full stripe
        (6 * Chunk) + 1,       // k·2 + 1 chunks: the last stripe holds one 1-byte chunk and two virtual slots
        (4 * Chunk) + 12_345,  // a short last chunk inside a partly filled stripe
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Round_trip_reproduces_the_file_exactly(int size)
    {
        byte[] data = PipelineFixture.Data(size);
        MemoryShards shards = new();
        List<PipelineProgress> reports = [];

        EncodeResult encoded = await FileEncoder.EncodeAsync(new MemoryStream(data), fixture.Options(), shards, new SyncProgress(reports), Ct);

        StripeLayout layout = new(size, Chunk, 3, 2);
        Assert.Equal(layout.StripeCount, encoded.Manifest.Stripes.Count);
        Assert.Equal(size, encoded.Manifest.PlaintextSize);
        Assert.Equal(ContentHash.Compute(data), encoded.Manifest.PlaintextHash);
        Assert.Equal(size, reports.Max(r => r.BytesProcessed));
        Manifest parsed = ManifestCodec.Read(encoded.EncodedManifest.Span, encoded.Address);

        string output = _dir.Combine("out.bin");
        DecodeResult result = await FileDecoder.DecodeAsync(parsed, fixture.Owner, shards, output, Ct);

        Assert.Equal(data, await File.ReadAllBytesAsync(output, Ct));
        Assert.Equal(0, result.StripesRebuilt);
        Assert.Equal(0, result.ShardsUnavailable);
        Assert.Single(Directory.EnumerateFileSystemEntries(_dir.Path)); // no temporary file left behind
    }

    [Fact]
    public async Task Virtual_padding_slots_are_listed_but_never_stored_or_fetched()
    {
        byte[] data = PipelineFixture.Data((3 * Chunk) + 10); // stripe 1: one real chunk, two virtual slots
        MemoryShards shards = new();
        EncodeResult encoded = await FileEncoder.EncodeAsync(new MemoryStream(data), fixture.Options(), shards, null, Ct);

        ManifestStripe last = encoded.Manifest.Stripes[1];
        Assert.Equal(5, last.Shards.Length);
        Assert.Equal(10 + ChunkCipher.TagLength, last.ShardLength);
        Assert.Equal(ContentHash.Compute(new byte[last.ShardLength]), last.Shards[1]);
        Assert.False(shards.Contains(last.Shards[1]));
        // Stored: stripe 0's 3 data + 2 parity, stripe 1's 1 data + 2 parity. Content addressing may fold equal
        // shards into one (with two zero data slots, a parity row whose first coefficient is 1 equals the data).
        ContentHash[] stored = [.. encoded.Manifest.Stripes[0].Shards, last.Shards[0], last.Shards[3], last.Shards[4]];
        Assert.Equal(stored.Distinct().Count(), shards.Count);
        Assert.All(stored, h => Assert.True(shards.Contains(h)));

        await FileDecoder.DecodeAsync(encoded.Manifest, fixture.Owner, shards, _dir.Combine("o"), Ct);
        Assert.Equal(4, shards.Fetches); // 3 data + 1 data: no parity needed, no virtual slot asked for
    }

    [Fact]
    public async Task Any_m_lost_shards_per_stripe_are_rebuilt()
    {
        byte[] data = PipelineFixture.Data((7 * Chunk) + 999); // 8 chunks: stripes of 3, 3, 2
        MemoryShards shards = new();
        EncodeResult encoded = await FileEncoder.EncodeAsync(new MemoryStream(data), fixture.Options(), shards, null, Ct);
        int[][] lose = [[0, 1], [2, 4], [0, 3]]; // two data; data + parity; data + parity in the short stripe
        for (int s = 0; s < 3; s++)
        {
            foreach (int slot in lose[s])
            {
                Assert.True(shards.Remove(encoded.Manifest.Stripes[s].Shards[slot]));
            }
        }

        DecodeResult result = await FileDecoder.DecodeAsync(encoded.Manifest, fixture.Friend, shards, _dir.Combine("out"), Ct);

        Assert.Equal(data, await File.ReadAllBytesAsync(_dir.Combine("out"), Ct));
        Assert.Equal(3, result.StripesRebuilt);
    }

    [Fact]
    public async Task Losing_m_plus_one_shards_of_a_stripe_names_that_stripe_and_writes_nothing()
    {
        byte[] data = PipelineFixture.Data(9 * Chunk);
        MemoryShards shards = new();
        EncodeResult encoded = await FileEncoder.EncodeAsync(new MemoryStream(data), fixture.Options(), shards, null, Ct);
        foreach (int slot in new[] { 0, 3, 4 })
        {
            shards.Remove(encoded.Manifest.Stripes[1].Shards[slot]);
        }

        StripeUnrecoverableException ex = await Assert.ThrowsAsync<StripeUnrecoverableException>(() =>
            FileDecoder.DecodeAsync(encoded.Manifest, fixture.Owner, shards, _dir.Combine("out"), Ct));

        Assert.Equal(1, ex.Stripe);
        Assert.Equal(2, ex.Available);
        Assert.Equal([0, 3, 4], ex.MissingSlots);
        Assert.Contains("Stripe 1", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public async Task A_source_returning_damaged_bytes_is_caught_and_worked_around()
    {
        byte[] data = PipelineFixture.Data(5 * Chunk);
        MemoryShards shards = new();
        EncodeResult encoded = await FileEncoder.EncodeAsync(new MemoryStream(data), fixture.Options(), shards, null, Ct);
        shards.Corrupt(encoded.Manifest.Stripes[0].Shards[1]);

        DecodeResult result = await FileDecoder.DecodeAsync(encoded.Manifest, fixture.Owner, shards, _dir.Combine("out"), Ct);

        Assert.Equal(data, await File.ReadAllBytesAsync(_dir.Combine("out"), Ct));
        Assert.Equal(1, result.ShardsUnavailable);
        Assert.Equal(1, result.StripesRebuilt);
    }

    [Fact]
    public async Task Through_a_chunk_store_a_corrupted_shard_file_is_removed_and_rebuilt_around()
    {
        byte[] data = PipelineFixture.Data((4 * Chunk) + 77);
        using Store store = await Store.OpenAsync(new ChunkStoreOptions(_dir.Combine("store")) { FlushToDisk = false }, null, Ct);
        EncodeResult encoded = await FileEncoder.EncodeAsync(new MemoryStream(data), fixture.Options(), new ChunkStoreShardSink(store), null, Ct);
        await store.PinManifestAsync(encoded.Address, encoded.Manifest, Ct);
        ContentHash victim = encoded.Manifest.Stripes[0].Shards[2];
        string hex = victim.ToString();
        string path = Path.Combine(store.Directory, "shards", hex[..2], hex[2..4], hex);
        byte[] bytes = await File.ReadAllBytesAsync(path, Ct);
        bytes[^1] ^= 1;
        await File.WriteAllBytesAsync(path, bytes, Ct);

        string output = _dir.Combine("out.bin");
        DecodeResult result = await FileDecoder.DecodeAsync(encoded.Manifest, fixture.Owner, new ChunkStoreShardSource(store), output, Ct);

        Assert.Equal(data, await File.ReadAllBytesAsync(output, Ct));
        Assert.Equal(1, result.StripesRebuilt);
        Assert.False(store.Contains(victim));
        Assert.True(store.IsPinned(encoded.Manifest.Stripes[1].Shards[0]));
    }

    [Fact]
    public async Task Encoding_a_file_path_works_and_names_come_from_options()
    {
        byte[] data = PipelineFixture.Data((2 * Chunk) + 5);
        string input = _dir.Combine("in.bin");
        await File.WriteAllBytesAsync(input, data, Ct);
        MemoryShards shards = new();

        EncodeResult encoded = await FileEncoder.EncodeAsync(input, fixture.Options() with { Name = "report.pdf", Tags = ["a", "b"] }, shards, null, Ct);

        FileMetadata metadata = encoded.Manifest.DecryptMetadata(fixture.Friend);
        Assert.Equal("report.pdf", metadata.Name);
        Assert.Equal(["a", "b"], metadata.Tags);
        await FileDecoder.DecodeAsync(encoded.Manifest, fixture.Owner, shards, _dir.Combine("out.bin"), Ct);
        Assert.Equal(data, await File.ReadAllBytesAsync(_dir.Combine("out.bin"), Ct));
    }

    private sealed class SyncProgress(List<PipelineProgress> reports) : IProgress<PipelineProgress>
    {
        public void Report(PipelineProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
