using System.Buffers;

namespace DataMesh.Storage.Manifests;

/// <summary>Protobuf-style encoding (varint tags, varints, length-delimited bytes) for the manifest codec.</summary>
internal readonly struct WireWriter(IBufferWriter<byte> output)
{
    public const int VarintType = 0;
    public const int BytesType = 2;

    public void WriteVarintField(int field, ulong value)
    {
        WriteVarint(((ulong)field << 3) | VarintType);
        WriteVarint(value);
    }

    public void WriteBytesField(int field, ReadOnlySpan<byte> value)
    {
        WriteVarint(((ulong)field << 3) | BytesType);
        WriteVarint((ulong)value.Length);
        WriteRaw(value);
    }

    /// <summary>Writes the tag and length of a length-delimited field whose body the caller writes next.</summary>
    public void WriteBytesHeader(int field, int length)
    {
        WriteVarint(((ulong)field << 3) | BytesType);
        WriteVarint((ulong)length);
    }

    public void WriteRaw(ReadOnlySpan<byte> value)
    {
        output.Write(value);
    }

    public void WriteVarint(ulong value)
    {
        Span<byte> buffer = output.GetSpan(10);
        int i = 0;
        while (value >= 0x80)
        {
            buffer[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        buffer[i++] = (byte)value;
        output.Advance(i);
    }

    public static int VarintLength(ulong value)
    {
        int length = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            length++;
        }
        return length;
    }
}
