using System.Buffers;
using DataMesh.Storage.Manifests;

namespace DataMesh.Storage.Tests.Manifests;

/// <summary>Hostile manifests with huge counts or lengths are refused before anything is allocated for them.</summary>
public class ManifestBoundsTests
{
    private static ArrayBufferWriter<byte> Header(long plaintextSize, int chunkSize, int dataShards, int parityShards, long stripeCount)
    {
        var buffer = new ArrayBufferWriter<byte>();
        buffer.Write("DMMF"u8);
        buffer.Write<byte>([1]);
        var writer = new WireWriter(buffer);
        writer.WriteBytesField(1, new byte[16]);
        writer.WriteVarintField(2, 1_700_000_000_000);
        writer.WriteVarintField(3, (ulong)plaintextSize);
        writer.WriteBytesField(4, new byte[32]);
        writer.WriteVarintField(5, (ulong)chunkSize);
        writer.WriteVarintField(6, (ulong)dataShards);
        writer.WriteVarintField(7, (ulong)parityShards);
        writer.WriteVarintField(8, 1);
        writer.WriteVarintField(9, (ulong)stripeCount);
        return buffer;
    }

    private static ManifestFormatException ReadExpectingRefusalWithoutAllocation(ReadOnlySpan<byte> encoded)
    {
        ManifestFormatException? caught = null;
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            ManifestCodec.Read(encoded);
        }
        catch (ManifestFormatException ex)
        {
            caught = ex;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.NotNull(caught);
        // Only the exception and its message: nothing proportional to the claimed count.
        Assert.True(allocated < 16 * 1024, $"{allocated} bytes allocated before refusing");
        return caught;
    }

    [Fact]
    public void Stripe_count_above_the_limit_is_refused()
    {
        var encoded = Header(0, 4096, 8, 4, ManifestLimits.MaxStripes + 1L);
        var ex = ReadExpectingRefusalWithoutAllocation(encoded.WrittenSpan);
        Assert.Contains("stripe count", ex.Message);
    }

    [Fact]
    public void Stripe_count_within_the_limit_but_larger_than_the_input_is_refused_before_allocating()
    {
        const int k = ManifestLimits.MaxDataShards, m = ManifestLimits.MaxParityShards, chunk = ManifestLimits.MaxChunkSize;
        long size = (long)ManifestLimits.MaxStripes * k * chunk;
        var encoded = Header(size, chunk, k, m, ManifestLimits.MaxStripes);
        var ex = ReadExpectingRefusalWithoutAllocation(encoded.WrittenSpan);
        Assert.Contains("only", ex.Message);
    }

    [Fact]
    public void Stripe_count_inconsistent_with_the_size_is_refused()
    {
        var encoded = Header(10 * 4096, 4096, 8, 4, 1000);
        var ex = ReadExpectingRefusalWithoutAllocation(encoded.WrittenSpan);
        Assert.Contains("need 2", ex.Message);
    }

    [Fact]
    public void Recipient_count_larger_than_the_input_is_refused_before_allocating()
    {
        var buffer = Header(0, 4096, 1, 0, 1);
        var writer = new WireWriter(buffer);
        writer.WriteBytesHeader(10, 1 + 32);
        writer.WriteVarint(16);
        writer.WriteRaw(new byte[32]);
        writer.WriteVarintField(11, ManifestLimits.MaxRecipients);
        var ex = ReadExpectingRefusalWithoutAllocation(buffer.WrittenSpan);
        Assert.Contains("wrapped keys need", ex.Message);

        var tooMany = Header(0, 4096, 1, 0, 1);
        writer = new WireWriter(tooMany);
        writer.WriteBytesHeader(10, 1 + 32);
        writer.WriteVarint(16);
        writer.WriteRaw(new byte[32]);
        writer.WriteVarintField(11, ManifestLimits.MaxRecipients + 1);
        Assert.Contains("recipient count", ReadExpectingRefusalWithoutAllocation(tooMany.WrittenSpan).Message);
    }

    [Fact]
    public void Huge_length_prefix_is_refused()
    {
        var buffer = new ArrayBufferWriter<byte>();
        buffer.Write("DMMF"u8);
        buffer.Write<byte>([1]);
        var writer = new WireWriter(buffer);
        writer.WriteBytesHeader(1, int.MaxValue);
        Assert.Contains("must be 16", ReadExpectingRefusalWithoutAllocation(buffer.WrittenSpan).Message);
    }

    [Fact]
    public void Shard_counts_above_the_limits_are_refused()
    {
        Assert.Contains("data shard count", ReadExpectingRefusalWithoutAllocation(Header(0, 4096, 129, 0, 1).WrittenSpan).Message);
        Assert.Contains("parity shard count", ReadExpectingRefusalWithoutAllocation(Header(0, 4096, 1, 129, 1).WrittenSpan).Message);
        Assert.Contains("chunk size", ReadExpectingRefusalWithoutAllocation(Header(0, ManifestLimits.MaxChunkSize + 1, 1, 0, 1).WrittenSpan).Message);
    }

    [Fact]
    public void Non_minimal_and_overlong_varints_are_refused()
    {
        var buffer = new ArrayBufferWriter<byte>();
        buffer.Write("DMMF"u8);
        buffer.Write<byte>([1, 0x8A, 0x00]); // tag 10 spelled with a redundant continuation byte
        Assert.Contains("non-minimal", ReadExpectingRefusalWithoutAllocation(buffer.WrittenSpan).Message);

        var overlong = new ArrayBufferWriter<byte>();
        overlong.Write("DMMF"u8);
        overlong.Write<byte>([1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]);
        Assert.Contains("longer than 64 bits", ReadExpectingRefusalWithoutAllocation(overlong.WrittenSpan).Message);
    }

    [Fact]
    public void Oversized_input_is_refused_without_parsing()
    {
        var big = new byte[ManifestLimits.MaxEncodedLength + 1];
        Assert.Contains("limit", Assert.Throws<ManifestFormatException>(() => ManifestCodec.Read(big)).Message);
    }
}
