using System.Collections.Concurrent;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Chunking;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Pipeline;
using DataMesh.Storage.Tests.TestSupport;

namespace DataMesh.Storage.Tests.Pipeline;

public sealed class PipelineResumeTests(PipelineFixture fixture) : IClassFixture<PipelineFixture>, IDisposable
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

    /// <summary>Records, per stripe, what the encoder announced and which slots it handed over after that.</summary>
    private sealed class AnnouncingSink : IStripeShardSink
    {
        public ConcurrentDictionary<long, (IReadOnlyList<ContentHash> Shards, int Stored)> Announced { get; } = new();
        public ConcurrentBag<(long Stripe, int Index)> Puts { get; } = [];
        public MemoryShards Shards { get; } = new();

        public ValueTask StripeEncodedAsync(long stripe, IReadOnlyList<ContentHash> shards, int storedDataShards, CancellationToken cancellationToken)
        {
            Assert.True(Announced.TryAdd(stripe, ([.. shards], storedDataShards)));
            return ValueTask.CompletedTask;
        }

        public ValueTask PutShardAsync(ContentHash address, ReadOnlyMemory<byte> shard, long stripe, int index, CancellationToken cancellationToken)
        {
            Assert.True(Announced.TryGetValue(stripe, out var announced), "a shard was handed over before its stripe was announced");
            Assert.Equal(announced.Shards[index], address);
            Puts.Add((stripe, index));
            return Shards.PutShardAsync(address, shard, stripe, index, cancellationToken);
        }
    }

    [Fact]
    public async Task The_same_key_and_file_id_seal_the_same_shards_and_a_stripe_sink_hears_of_each_stripe_first()
    {
        byte[] data = PipelineFixture.Data((6 * Chunk) + 5); // k=3: stripes of 3, 3 and 1 chunks
        using FileKey key = FileKey.Generate();
        FileId id = FileId.Generate();
        var first = new AnnouncingSink();
        var second = new AnnouncingSink();

        EncodeResult a = await FileEncoder.EncodeAsync(new MemoryStream(data), fixture.Options() with { FileKey = key, FileId = id }, first, null, Ct);
        EncodeResult b = await FileEncoder.EncodeAsync(new MemoryStream(data), fixture.Options() with { FileKey = key, FileId = id }, second, null, Ct);

        Assert.Equal(a.Manifest.Stripes.SelectMany(s => s.Shards), b.Manifest.Stripes.SelectMany(s => s.Shards));
        Assert.Equal(id, a.Manifest.FileId);
        Assert.Equal(3, first.Announced.Count);
        Assert.Equal(1, first.Announced[2].Stored);
        Assert.Equal(5 + 5 + 3, first.Puts.Count); // padding slots of the last stripe are never handed over
        Assert.DoesNotContain((2L, 1), first.Puts);
        await Assert.ThrowsAsync<ArgumentException>(() => FileEncoder.EncodeAsync(new MemoryStream(data), fixture.Options() with { FileKey = key }, first, null, Ct));
    }

    [Fact]
    public async Task A_resumable_assembly_keeps_checked_stripes_and_redoes_a_damaged_one()
    {
        byte[] data = PipelineFixture.Data(9 * Chunk); // 3 full stripes
        var shards = new MemoryShards();
        EncodeResult encoded = await FileEncoder.EncodeAsync(new MemoryStream(data), fixture.Options(), shards, null, Ct);
        string output = _dir.Combine("out.bin");
        string partial = FileAssembler.PartialPathFor(encoded.Manifest, output);

        using (FileAssembler first = await FileAssembler.OpenResumableAsync(encoded.Manifest, fixture.Owner, output, 0, null, Ct))
        {
            await WriteStripeAsync(first, shards, encoded, 0);
            await WriteStripeAsync(first, shards, encoded, 1);
        }
        Assert.True(File.Exists(partial)); // interrupted: kept for a rerun

        using (FileAssembler second = await FileAssembler.OpenResumableAsync(encoded.Manifest, fixture.Owner, output, 2, null, Ct))
        {
            Assert.Equal(2, second.StripesResumed);
        }

        using (var stream = new FileStream(partial, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = (3 * Chunk) + 7; // inside stripe 1
            stream.WriteByte(0x42);
        }
        using FileAssembler third = await FileAssembler.OpenResumableAsync(encoded.Manifest, fixture.Owner, output, 2, null, Ct);
        Assert.Equal(1, third.StripesResumed);
        await WriteStripeAsync(third, shards, encoded, 1);
        await WriteStripeAsync(third, shards, encoded, 2);
        await third.CompleteAsync(Ct);

        Assert.Equal(data, await File.ReadAllBytesAsync(output, Ct));
        Assert.False(File.Exists(partial));
    }

    [Fact]
    public async Task A_partial_file_of_the_wrong_length_is_started_again()
    {
        byte[] data = PipelineFixture.Data(6 * Chunk);
        var shards = new MemoryShards();
        EncodeResult encoded = await FileEncoder.EncodeAsync(new MemoryStream(data), fixture.Options(), shards, null, Ct);
        string output = _dir.Combine("out.bin");
        await File.WriteAllBytesAsync(FileAssembler.PartialPathFor(encoded.Manifest, output), [1, 2, 3], Ct);

        using FileAssembler assembler = await FileAssembler.OpenResumableAsync(encoded.Manifest, fixture.Owner, output, 2, null, Ct);

        Assert.Equal(0, assembler.StripesResumed);
        assembler.DeletePartial();
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    private static async Task WriteStripeAsync(FileAssembler assembler, MemoryShards shards, EncodeResult encoded, int stripe)
    {
        var described = encoded.Manifest.Stripes[stripe];
        var buffers = new Memory<byte>[described.Shards.Length];
        var present = new bool[described.Shards.Length];
        for (int i = 0; i < buffers.Length; i++)
        {
            using var owner = await shards.TryGetShardAsync(described.Shards[i], stripe, i, CancellationToken.None);
            buffers[i] = owner is null ? new byte[described.ShardLength] : owner.Memory.ToArray();
            present[i] = owner is not null;
        }
        await assembler.WriteStripeAsync(stripe, buffers, present, CancellationToken.None);
    }
}
