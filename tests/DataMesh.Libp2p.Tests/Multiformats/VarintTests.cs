using System.Buffers;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Tests.TestSupport;

namespace DataMesh.Libp2p.Tests.Multiformats;

public class VarintTests
{
    // Vectors from multiformats/unsigned-varint README.
    [Theory]
    [InlineData(1UL, "01")]
    [InlineData(127UL, "7f")]
    [InlineData(128UL, "8001")]
    [InlineData(255UL, "ff01")]
    [InlineData(300UL, "ac02")]
    [InlineData(16384UL, "808001")]
    [InlineData(0UL, "00")]
    [InlineData(0x7FFFFFFFFFFFFFFFUL, "ffffffffffffffff7f")]
    public void Encodes_and_decodes_spec_vectors(ulong value, string hex)
    {
        Span<byte> buffer = stackalloc byte[Varint.MaxLength];
        var n = Varint.Write(buffer, value);
        Assert.Equal(hex, Hex.Of(buffer[..n]));
        Assert.Equal(n, Varint.GetSize(value));

        Assert.True(Varint.TryRead(Hex.Bytes(hex), out var decoded, out var consumed));
        Assert.Equal(value, decoded);
        Assert.Equal(n, consumed);

        var writer = new ArrayBufferWriter<byte>();
        Varint.Write(writer, value);
        Assert.Equal(hex, Hex.Of(writer.WrittenSpan));
    }

    [Fact]
    public void Reports_need_more_bytes_for_a_truncated_varint()
    {
        Assert.False(Varint.TryRead(Hex.Bytes("8080"), out _, out _));
        Assert.False(Varint.TryRead([], out _, out _));
    }

    [Theory]
    [InlineData("8000")]
    [InlineData("ff00")]
    [InlineData("808000")]
    public void Rejects_non_minimal_encodings(string hex) =>
        Assert.Throws<MalformedVarintException>(() => Varint.TryRead(Hex.Bytes(hex), out _, out _));

    [Fact]
    public void Rejects_more_than_nine_bytes() =>
        Assert.Throws<MalformedVarintException>(() => Varint.TryRead(Hex.Bytes("ffffffffffffffffff01"), out _, out _));

    [Fact]
    public void Refuses_to_write_values_beyond_63_bits() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Varint.GetSize(1UL << 63));

    [Fact]
    public void Reads_from_a_multi_segment_sequence_and_advances_only_on_success()
    {
        var sequence = Segments.Create([0xac], [0x02, 0x55]);
        var reader = new SequenceReader<byte>(sequence);
        Assert.True(Varint.TryRead(ref reader, out var value));
        Assert.Equal(300UL, value);
        Assert.Equal(2, reader.Consumed);

        var partial = new SequenceReader<byte>(Segments.Create([0x80], [0x80]));
        Assert.False(Varint.TryRead(ref partial, out _));
        Assert.Equal(0, partial.Consumed);
    }
}
