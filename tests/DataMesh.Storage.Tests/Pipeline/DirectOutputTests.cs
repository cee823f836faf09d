using DataMesh.Storage.Addressing;
using DataMesh.Storage.ChunkStore;
using DataMesh.Storage.Chunking;
using DataMesh.Storage.Manifests;
using DataMesh.Storage.Pipeline;
using DataMesh.Storage.Tests.TestSupport;
using Store = DataMesh.Storage.ChunkStore.ChunkStore;

namespace DataMesh.Storage.Tests.Pipeline;

/// <summary>The decoded file is written with direct I/O for block-aligned chunk bodies and through the page cache
/// for tails, unaligned chunk sizes and caller memory that is not aligned; every mix must give the exact file.</summary>
public sealed class DirectOutputTests(PipelineFixture fixture) : IClassFixture<PipelineFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _timeout.Dispose();
        _dir.Dispose();
    }

    public static TheoryData<int, int> Cases => new()
    {
        { ChunkSizes.Min, (7 * ChunkSizes.Min) + 12_345 },       // aligned chunks, short unaligned last chunk
        { ChunkSizes.Min, 6 * ChunkSizes.Min },                  // every chunk whole
        { ChunkSizes.Min + 100, (5 * (ChunkSizes.Min + 100)) + 7 }, // chunk size not a block multiple: all buffered
        { ChunkSizes.Min, 1000 },                                // a file shorter than one block
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Store_round_trip_with_direct_io_reproduces_the_file(int chunkSize, int size)
    {
        byte[] data = PipelineFixture.Data(size);
        using Store store = await Store.OpenAsync(new ChunkStoreOptions(_dir.Combine("store")), null, Ct);
        EncodeResult encoded = await FileEncoder.EncodeAsync(new MemoryStream(data), fixture.Options() with { ChunkSize = chunkSize },
            new ChunkStoreShardSink(store), null, Ct);

        string output = _dir.Combine("out.bin");
        DecodeResult result = await FileDecoder.DecodeAsync(encoded.Manifest, fixture.Owner, new ChunkStoreShardSource(store), output, Ct);

        Assert.Equal(size, result.Size);
        Assert.Equal(data, await File.ReadAllBytesAsync(output, Ct));
        Assert.Empty(Directory.EnumerateFiles(_dir.Path, "*.partial"));
    }

    [Fact]
    public async Task Stripes_written_from_unaligned_caller_memory_assemble_the_exact_file()
    {
        int size = (4 * ChunkSizes.Min) + 777;
        byte[] data = PipelineFixture.Data(size);
        MemoryShards shards = new();
        EncodeResult encoded = await FileEncoder.EncodeAsync(new MemoryStream(data), fixture.Options(), shards, null, Ct);
        Manifest manifest = encoded.Manifest;
        string output = _dir.Combine("assembled.bin");

        using (FileAssembler assembler = FileAssembler.Create(manifest, fixture.Owner, output))
        {
            // Each shard one byte into a larger array, so no buffer is block-aligned.
            for (long s = 0; s < assembler.StripeCount; s++)
            {
                ManifestStripe stripe = manifest.Stripes[(int)s];
                Memory<byte>[] buffers = new Memory<byte>[stripe.Shards.Length];
                bool[] present = new bool[stripe.Shards.Length];
                for (int j = 0; j < buffers.Length; j++)
                {
                    buffers[j] = new byte[stripe.ShardLength + 1].AsMemory(1);
                    using var fetched = await shards.TryGetShardAsync(stripe.Shards[j], s, j, Ct);
                    if (fetched is not null && j != 0) // slot 0 left out: rebuilt from parity
                    {
                        fetched.Memory.CopyTo(buffers[j]);
                        present[j] = true;
                    }
                }
                await assembler.WriteStripeAsync(s, buffers, present, Ct);
            }
            await assembler.CompleteAsync(Ct);
        }

        Assert.Equal(data, await File.ReadAllBytesAsync(output, Ct));
        Assert.Equal(ContentHash.Compute(data), manifest.PlaintextHash);
    }
}
