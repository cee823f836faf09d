using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace DataMesh.Libp2p.Protobuf;

/// <summary>
/// Writes protobuf fields into an <see cref="IBufferWriter{T}"/>. Encoding is canonical (minimal varints, fields in
/// the order the caller writes them), which libp2p requires for signed and hashed messages.
/// </summary>
internal static class ProtoWriter
{
    public const int MaxVarintLength = 10;

    public static int GetVarintSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }
        return size;
    }

    public static void WriteRawVarint(IBufferWriter<byte> writer, ulong value)
    {
        var span = writer.GetSpan(MaxVarintLength);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        writer.Advance(i);
    }

    public static void WriteTag(IBufferWriter<byte> writer, int field, WireType type)
    {
        if (field is <= 0 or > (1 << 29) - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(field), field, "Protobuf field numbers are 1 to 2^29-1.");
        }
        WriteRawVarint(writer, ((ulong)field << 3) | (ulong)type);
    }

    public static void WriteVarint(IBufferWriter<byte> writer, int field, ulong value)
    {
        WriteTag(writer, field, WireType.Varint);
        WriteRawVarint(writer, value);
    }

    public static void WriteBool(IBufferWriter<byte> writer, int field, bool value) => WriteVarint(writer, field, value ? 1UL : 0UL);

    public static void WriteFixed64(IBufferWriter<byte> writer, int field, ulong value)
    {
        WriteTag(writer, field, WireType.Fixed64);
        BinaryPrimitives.WriteUInt64LittleEndian(writer.GetSpan(8), value);
        writer.Advance(8);
    }

    public static void WriteFixed32(IBufferWriter<byte> writer, int field, uint value)
    {
        WriteTag(writer, field, WireType.Fixed32);
        BinaryPrimitives.WriteUInt32LittleEndian(writer.GetSpan(4), value);
        writer.Advance(4);
    }

    /// <summary>Writes a bytes field (also used for an already-encoded nested message).</summary>
    public static void WriteBytes(IBufferWriter<byte> writer, int field, ReadOnlySpan<byte> value)
    {
        WriteLengthDelimitedHeader(writer, field, value.Length);
        writer.Write(value);
    }

    public static void WriteString(IBufferWriter<byte> writer, int field, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var length = Encoding.UTF8.GetByteCount(value);
        WriteLengthDelimitedHeader(writer, field, length);
        var span = writer.GetSpan(length);
        writer.Advance(Encoding.UTF8.GetBytes(value, span));
    }

    /// <summary>
    /// Writes the tag and length of a nested message or bytes field; the caller then writes exactly
    /// <paramref name="length"/> bytes (compute it with a measuring pass or encode the nested message first).
    /// </summary>
    public static void WriteLengthDelimitedHeader(IBufferWriter<byte> writer, int field, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        WriteTag(writer, field, WireType.LengthDelimited);
        WriteRawVarint(writer, (ulong)length);
    }

    /// <summary>Writes a nested message produced by <paramref name="writeBody"/> (encoded to a temporary buffer first, to
    /// learn its length).</summary>
    public static void WriteMessage<TState>(IBufferWriter<byte> writer, int field, TState state, Action<IBufferWriter<byte>, TState> writeBody)
    {
        ArgumentNullException.ThrowIfNull(writeBody);
        var body = new ArrayBufferWriter<byte>();
        writeBody(body, state);
        WriteBytes(writer, field, body.WrittenSpan);
    }
}
