using System.Buffers;
using DataMesh.Libp2p.Protobuf;
using DataMesh.Libp2p.Tests.TestSupport;

namespace DataMesh.Libp2p.Tests.Protobuf;

public class ProtobufTests
{
    [Fact]
    public void Writes_and_reads_every_field_kind()
    {
        var writer = new ArrayBufferWriter<byte>();
        ProtoWriter.WriteVarint(writer, 1, 150);
        ProtoWriter.WriteString(writer, 2, "testing");
        ProtoWriter.WriteBytes(writer, 3, [1, 2, 3]);
        ProtoWriter.WriteFixed64(writer, 4, 0x0102030405060708);
        ProtoWriter.WriteFixed32(writer, 5, 7);
        ProtoWriter.WriteMessage(writer, 6, 42UL, static (w, v) => ProtoWriter.WriteVarint(w, 1, v));
        ProtoWriter.WriteBool(writer, 7, true);

        // Field 1 = 150 is the protobuf documentation's example: 08 96 01; "testing" is 12 07 74 65 73 74 69 6e 67.
        Assert.StartsWith("089601120774657374696e67", Hex.Of(writer.WrittenSpan), StringComparison.Ordinal);

        var reader = new ProtoReader(writer.WrittenSpan);
        Assert.True(reader.TryReadTag(out var field, out var type));
        Assert.Equal((1, WireType.Varint), (field, type));
        Assert.Equal(150UL, reader.ReadVarint());
        Assert.True(reader.TryReadTag(out field, out type));
        Assert.Equal((2, WireType.LengthDelimited), (field, type));
        Assert.Equal("testing", reader.ReadString());
        Assert.True(reader.TryReadTag(out field, out _));
        Assert.Equal(new byte[] { 1, 2, 3 }, reader.ReadLengthDelimited().ToArray());
        Assert.True(reader.TryReadTag(out field, out type));
        Assert.Equal((4, WireType.Fixed64), (field, type));
        Assert.Equal(0x0102030405060708UL, reader.ReadFixed64());
        Assert.True(reader.TryReadTag(out field, out type));
        Assert.Equal((5, WireType.Fixed32), (field, type));
        Assert.Equal(7U, reader.ReadFixed32());
        Assert.True(reader.TryReadTag(out field, out type));
        var nested = new ProtoReader(reader.ReadLengthDelimited());
        Assert.True(nested.TryReadTag(out var nestedField, out _));
        Assert.Equal((1, 42UL), (nestedField, nested.ReadVarint()));
        Assert.True(reader.TryReadTag(out field, out type));
        Assert.True(reader.ReadBool());
        Assert.False(reader.TryReadTag(out _, out _));
    }

    [Fact]
    public void Skips_unknown_fields_of_every_wire_type()
    {
        var writer = new ArrayBufferWriter<byte>();
        ProtoWriter.WriteVarint(writer, 10, ulong.MaxValue);
        ProtoWriter.WriteFixed64(writer, 11, 1);
        ProtoWriter.WriteBytes(writer, 12, new byte[300]);
        ProtoWriter.WriteFixed32(writer, 13, 1);
        ProtoWriter.WriteVarint(writer, 1, 5);
        var reader = new ProtoReader(writer.WrittenSpan);
        while (reader.TryReadTag(out var field, out var type))
        {
            if (field == 1)
            {
                Assert.Equal(5UL, reader.ReadVarint());
                return;
            }
            reader.Skip(type);
        }
        Assert.Fail("field 1 not found");
    }

    [Theory]
    [InlineData("0a05010203")]             // length 5 but 3 bytes left
    [InlineData("0a")]                     // missing length
    [InlineData("08")]                     // missing varint
    [InlineData("08ffffffffffffffffffff01")] // 11-byte varint
    [InlineData("08ffffffffffffffffff02")]   // overflows 64 bits
    [InlineData("00")]                     // field number 0
    [InlineData("0f")]                     // wire type 7
    [InlineData("0b")]                     // group start (deprecated)
    [InlineData("0d0102")]                 // truncated fixed32
    [InlineData("0a02c328")]               // invalid UTF-8 string
    public void Rejects_malformed_input(string hex)
    {
        var bytes = Hex.Bytes(hex);
        Assert.Throws<ProtobufFormatException>(() =>
        {
            var reader = new ProtoReader(bytes);
            while (reader.TryReadTag(out var field, out var type))
            {
                if (type == WireType.LengthDelimited)
                {
                    reader.ReadString();
                }
                else
                {
                    reader.Skip(type);
                }
            }
        });
    }
}
