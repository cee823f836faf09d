using DataMesh.Storage.Io;

namespace DataMesh.Storage.Tests.Io;

public sealed class AlignedBufferPoolTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData((1 << 20) + 16)]
    [InlineData(AlignedBufferPool.MaxPooledLength + 1)] // too large to pool: still aligned, allocated per use
    public void A_lease_is_exactly_the_length_asked_for_and_starts_on_a_block_boundary(int length)
    {
        AlignedBufferPool pool = new(maxRetainedBytes: 64L << 20);
        using AlignedBuffer buffer = pool.Rent(length);
        Assert.Equal(length, buffer.Length);
        Assert.Equal(length, buffer.Memory.Length);
        Assert.True(DirectIo.IsAligned(buffer.Memory));
        buffer.Memory.Span.Fill(0xAB); // the whole length is usable
    }

    [Fact]
    public void A_returned_buffer_is_reused_for_the_next_lease_of_its_size_class()
    {
        AlignedBufferPool pool = new(maxRetainedBytes: 64L << 20);
        AlignedBuffer first = pool.Rent((1 << 20) + 16);
        first.Memory.Span[0] = 42;
        first.Dispose();
        Assert.Equal((1 << 20) + AlignedBufferPool.SizeClass + AlignedBufferPool.Alignment, pool.RetainedBytes);

        using AlignedBuffer second = pool.Rent((1 << 20) + 60_000); // same 64 KiB size class
        Assert.Equal(42, second.Memory.Span[0]);
        Assert.Equal(0, pool.RetainedBytes);
    }

    [Fact]
    public void The_pool_keeps_no_more_than_its_cap()
    {
        AlignedBufferPool pool = new(maxRetainedBytes: 0);
        pool.Rent(100_000).Dispose();
        Assert.Equal(0, pool.RetainedBytes);
        using AlignedBuffer fresh = pool.Rent(100_000);
        Assert.True(DirectIo.IsAligned(fresh.Memory));
    }

    [Fact]
    public void Disposing_twice_returns_the_buffer_once_and_the_memory_is_unusable_after()
    {
        AlignedBufferPool pool = new(maxRetainedBytes: 64L << 20);
        AlignedBuffer buffer = pool.Rent(5000);
        buffer.Dispose();
        buffer.Dispose();
        Assert.Equal(AlignedBufferPool.SizeClass + AlignedBufferPool.Alignment, pool.RetainedBytes);
        Assert.Throws<ObjectDisposedException>(() => buffer.Memory);
    }

    [Fact]
    public void Concurrent_leases_never_share_a_buffer()
    {
        AlignedBufferPool pool = new(maxRetainedBytes: 16L << 20);
        Parallel.For(0, 2000, i =>
        {
            using AlignedBuffer buffer = pool.Rent(70_000);
            Span<byte> span = buffer.Memory.Span;
            span.Fill((byte)i);
            Thread.Yield();
            Assert.True(span.IndexOfAnyExcept((byte)i) < 0);
        });
    }

    [Fact]
    public void Aligned_memory_is_written_as_it_is_and_unaligned_memory_is_staged_in_an_aligned_copy()
    {
        var pool = new AlignedBufferPool(maxRetainedBytes: 1024 * 1024);
        using AlignedBuffer aligned = pool.Rent(3 * DirectIo.Alignment);
        Assert.True(pool.StageForDirectIo(aligned.Memory, out AlignedBuffer? none).Equals((ReadOnlyMemory<byte>)aligned.Memory)); // the same memory, no copy
        Assert.Null(none);

        byte[] array = new byte[(2 * DirectIo.Alignment) + 1];
        new Random(5).NextBytes(array);
        ReadOnlyMemory<byte> unaligned = DirectIo.IsAligned(array.AsMemory(0, 2 * DirectIo.Alignment))
            ? array.AsMemory(1, 2 * DirectIo.Alignment)
            : array.AsMemory(0, 2 * DirectIo.Alignment);
        ReadOnlyMemory<byte> staged = pool.StageForDirectIo(unaligned, out AlignedBuffer? staging);
        using (staging)
        {
            Assert.NotNull(staging);
            Assert.True(DirectIo.IsAligned(staged));
            Assert.Equal(unaligned.ToArray(), staged.ToArray());
        }
    }
}
