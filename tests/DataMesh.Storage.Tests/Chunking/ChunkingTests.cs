using DataMesh.Storage.Chunking;
using DataMesh.Storage.Tests.TestSupport;

namespace DataMesh.Storage.Tests.Chunking;

public sealed class ChunkingTests
{
    private const int Size = ChunkSizes.Min;
    private static CancellationToken Ct => CancellationToken.None;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Size - 1)]
    [InlineData(Size)]
    [InlineData(Size + 1)]
    [InlineData((3 * Size) + 17)]
    public async Task Chunks_cover_the_stream_exactly_and_flag_the_last(int length)
    {
        byte[] data = TestData.Bytes(length, length);
        // A stream that returns short reads, so the reader's fill loop is exercised.
        using ChunkReader reader = new(new TrickleStream(data, 1000), Size, trailingCapacity: 16);
        StripeLayout layout = new(length, Size, 4, 2);
        List<byte> joined = [];
        long index = 0;

        while (await reader.ReadNextAsync(Ct) is { } chunk)
        {
            using (chunk)
            {
                Assert.Equal(index, chunk.Index);
                Assert.Equal(layout.ChunkOffset(index), chunk.Offset);
                Assert.Equal(layout.ChunkLength(index), chunk.Length);
                Assert.Equal(layout.IsLastChunk(index), chunk.IsLast);
                Assert.Equal(Size + 16, chunk.Capacity);
                joined.AddRange(chunk.Data.ToArray());
                index++;
            }
        }

        Assert.Equal(layout.ChunkCount, index);
        Assert.Equal(data, joined.ToArray());
        Assert.Equal(length, reader.BytesRead);
    }

    [Fact]
    public async Task Stripes_group_k_chunks_and_the_last_stripe_holds_the_rest()
    {
        int length = (9 * Size) + 5; // 10 chunks
        using ChunkReader chunks = new(new MemoryStream(TestData.Bytes(length, 1)), Size);
        StripeReader stripes = new(chunks, dataShards: 4);
        StripeLayout layout = new(length, Size, 4, 2);
        List<int> counts = [];

        while (await stripes.ReadNextAsync(Ct) is { } stripe)
        {
            using (stripe)
            {
                Assert.Equal(counts.Count, stripe.Index);
                Assert.Equal(layout.DataChunksInStripe(stripe.Index), stripe.Chunks.Count);
                Assert.Equal(stripe.Index == layout.StripeCount - 1, stripe.IsLast);
                counts.Add(stripe.Chunks.Count);
            }
        }

        Assert.Equal([4, 4, 2], counts);
        Assert.Equal(3, layout.StripeCount);
    }

    [Fact]
    public void Layout_arithmetic_for_padding()
    {
        StripeLayout layout = new((5 * Size) + 100, Size, 3, 2); // chunks: 5 full + 1 of 100 bytes
        Assert.Equal(6, layout.ChunkCount);
        Assert.Equal(2, layout.StripeCount);
        Assert.Equal(3, layout.DataChunksInStripe(1));
        Assert.Equal(100, layout.ChunkLength(5));
        Assert.Equal(Size + 16, layout.ShardLength(1, 16)); // the short last chunk is padded to its stripe's first

        StripeLayout partial = new((3 * Size) + 1, Size, 3, 2); // last stripe: 1 real chunk of 1 byte, 2 virtual
        Assert.Equal(1, partial.DataChunksInStripe(1));
        Assert.Equal(1 + 16, partial.ShardLength(1, 16));

        StripeLayout empty = new(0, Size, 3, 2); // one empty chunk, so emptiness is sealed too
        Assert.Equal(1, empty.ChunkCount);
        Assert.Equal(1, empty.StripeCount);
        Assert.Equal(0, empty.ChunkLength(0));
        Assert.Equal(16, empty.ShardLength(0, 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => empty.ChunkLength(1));
    }

    [Theory]
    [InlineData(ChunkSizes.MinReadable - 1, 4, 2)]
    [InlineData(ChunkSizes.Max + 1, 4, 2)]
    [InlineData(Size, 0, 2)]
    [InlineData(Size, 4, -1)]
    [InlineData(Size, 200, 57)]
    public void Out_of_range_shapes_are_refused_with_a_clear_error(int chunkSize, int k, int m)
    {
        InvalidLayoutException ex = Assert.Throws<InvalidLayoutException>(() => new StripeLayout(1000, chunkSize, k, m));
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
    }

    [Fact]
    public void Chunk_size_error_names_the_bounds()
    {
        InvalidLayoutException ex = Assert.Throws<InvalidLayoutException>(() => new ChunkReader(Stream.Null, 1000));
        Assert.Contains("65536", ex.Message, StringComparison.Ordinal);
        Assert.Contains("4194304", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disposed_chunk_refuses_access()
    {
        using ChunkReader reader = new(new MemoryStream(new byte[10]), Size);
        Chunk chunk = (await reader.ReadNextAsync(Ct))!;
        chunk.Dispose();
        chunk.Dispose(); // idempotent
        Assert.Throws<ObjectDisposedException>(() => chunk.Data);
    }

    private sealed class TrickleStream(byte[] data, int maxRead) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, maxRead)], cancellationToken);
    }
}
