using DataMesh.Storage.Addressing;
using DataMesh.Storage.Chunking;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Manifests;
using DataMesh.Storage.Pipeline;
using DataMesh.Storage.Tests.TestSupport;

namespace DataMesh.Storage.Tests.Pipeline;

public sealed class PipelineRefusalTests(PipelineFixture fixture) : IClassFixture<PipelineFixture>, IDisposable
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

    private async Task<(EncodeResult Encoded, MemoryShards Shards)> EncodeAsync(int size)
    {
        MemoryShards shards = new();
        EncodeResult encoded = await FileEncoder.EncodeAsync(new MemoryStream(PipelineFixture.Data(size)), fixture.Options(), shards, null, Ct);
        return (encoded, shards);
    }

    [Fact]
    public async Task A_stranger_cannot_decode_and_no_file_appears()
    {
        (EncodeResult encoded, MemoryShards shards) = await EncodeAsync(Chunk + 1);

        await Assert.ThrowsAsync<WrongKeyException>(() =>
            FileDecoder.DecodeAsync(encoded.Manifest, fixture.Stranger, shards, _dir.Combine("out"), Ct));

        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
        Assert.Equal(0, shards.Fetches);
    }

    [Fact]
    public async Task An_existing_destination_is_kept_unless_overwrite_is_asked()
    {
        (EncodeResult encoded, MemoryShards shards) = await EncodeAsync(1000);
        string output = _dir.Combine("out");
        await File.WriteAllTextAsync(output, "precious", Ct);

        DestinationExistsException ex = await Assert.ThrowsAsync<DestinationExistsException>(() =>
            FileDecoder.DecodeAsync(encoded.Manifest, fixture.Owner, shards, output, Ct));

        Assert.Equal(output, ex.Path);
        Assert.Equal("precious", await File.ReadAllTextAsync(output, Ct));
        Assert.Single(Directory.EnumerateFileSystemEntries(_dir.Path));

        await FileDecoder.DecodeAsync(encoded.Manifest, fixture.Owner, shards, output, new DecodeOptions { Overwrite = true }, null, Ct);
        Assert.Equal(PipelineFixture.Data(1000), await File.ReadAllBytesAsync(output, Ct));
    }

    [Fact]
    public async Task A_manifest_whose_plaintext_hash_lies_leaves_no_file()
    {
        (EncodeResult encoded, MemoryShards shards) = await EncodeAsync((2 * Chunk) + 3);
        Manifest m = encoded.Manifest;
        Manifest lying = new(m.FileId, m.CreatedAt, m.PlaintextSize, ContentHash.Compute([1]), m.ChunkSize, m.DataShards,
            m.ParityShards, m.Cipher, m.Stripes, m.WrappedKeys, m.SealedMetadata, m.Owner);

        await Assert.ThrowsAsync<PlaintextHashMismatchException>(() =>
            FileDecoder.DecodeAsync(lying, fixture.Owner, shards, _dir.Combine("out"), Ct));

        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public async Task Shards_swapped_between_positions_fail_authentication()
    {
        (EncodeResult encoded, MemoryShards shards) = await EncodeAsync(6 * Chunk);
        Manifest m = encoded.Manifest;
        // Swap the first two stripes: every shard still matches its listed hash, but each chunk now claims the
        // wrong index, which the cipher's associated data catches.
        ManifestStripe[] swapped = [m.Stripes[1], m.Stripes[0]];
        Manifest reordered = new(m.FileId, m.CreatedAt, m.PlaintextSize, m.PlaintextHash, m.ChunkSize, m.DataShards,
            m.ParityShards, m.Cipher, swapped, m.WrappedKeys, m.SealedMetadata, m.Owner);

        await Assert.ThrowsAsync<ChunkAuthenticationException>(() =>
            FileDecoder.DecodeAsync(reordered, fixture.Owner, shards, _dir.Combine("out"), Ct));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public async Task Bad_encode_options_are_refused_up_front()
    {
        MemoryShards shards = new();
        await Assert.ThrowsAsync<InvalidLayoutException>(() =>
            FileEncoder.EncodeAsync(new MemoryStream(new byte[10]), fixture.Options() with { ChunkSize = 1000 }, shards, null, Ct));
        await Assert.ThrowsAsync<InvalidLayoutException>(() =>
            FileEncoder.EncodeAsync(new MemoryStream(new byte[10]), fixture.Options(k: 200, m: 100), shards, null, Ct));
        await Assert.ThrowsAsync<InvalidLayoutException>(() =>
            FileEncoder.EncodeAsync(new MemoryStream(new byte[10]), fixture.Options(k: 150, m: 4), shards, null, Ct));
        Assert.Equal(0, shards.Count);
    }

    [Fact]
    public async Task A_failing_sink_fails_the_encode_with_its_own_error()
    {
        FailingSink sink = new();
        InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            FileEncoder.EncodeAsync(new MemoryStream(PipelineFixture.Data(20 * Chunk)), fixture.Options(), sink, null, Ct));
        Assert.Equal("sink is broken", ex.Message);
    }

    [Fact]
    public async Task Cancellation_stops_the_encode()
    {
        using CancellationTokenSource cancel = new();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            FileEncoder.EncodeAsync(new MemoryStream(PipelineFixture.Data(20 * Chunk)), fixture.Options(), new MemoryShards(), null, cancel.Token));
    }

    private sealed class FailingSink : IShardSink
    {
        private int _calls;

        public ValueTask PutShardAsync(ContentHash address, ReadOnlyMemory<byte> shard, long stripe, int index, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _calls) > 7 ? throw new InvalidOperationException("sink is broken") : ValueTask.CompletedTask;
    }
}
