using System.Buffers.Binary;
using System.Text;

namespace DataMesh.Libp2p.Protobuf;

/// <summary>
/// A forward-only protobuf reader over one complete message held in a span. Every length is checked against the
/// remaining input, so a hostile message cannot make the reader allocate or read past its end.
/// </summary>
internal ref struct ProtoReader
{
    private const int MaxFieldNumber = (1 << 29) - 1;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    public ProtoReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _buffer.Length - _position;

    public readonly bool End => _position >= _buffer.Length;

    /// <summary>Reads the next field tag; false at the end of the message.</summary>
    public bool TryReadTag(out int field, out WireType type)
    {
        if (End)
        {
            field = 0;
            type = default;
            return false;
        }
        var tag = ReadVarint();
        var number = tag >> 3;
        if (number is 0 or > MaxFieldNumber)
        {
            throw new ProtobufFormatException($"Invalid protobuf field number {number}.");
        }
        var wire = (int)(tag & 7);
        if (wire > (int)WireType.Fixed32)
        {
            throw new ProtobufFormatException($"Invalid protobuf wire type {wire} for field {number}.");
        }
        field = (int)number;
        type = (WireType)wire;
        return true;
    }

    /// <summary>Reads a base-128 varint of at most 10 bytes (the protobuf limit).</summary>
    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _buffer.Length)
            {
                throw new ProtobufFormatException("Truncated protobuf varint.");
            }
            var b = _buffer[_position++];
            if (shift == 63 && b > 1)
            {
                throw new ProtobufFormatException("Protobuf varint overflows 64 bits.");
            }
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }
        throw new ProtobufFormatException("Protobuf varint longer than 10 bytes.");
    }

    /// <summary>Reads a varint that must fit a non-negative int (lengths, enums, small counters).</summary>
    public int ReadInt32Varint()
    {
        var value = ReadVarint();
        return value <= int.MaxValue ? (int)value : throw new ProtobufFormatException($"Protobuf value {value} out of range.");
    }

    public bool ReadBool() => ReadVarint() != 0;

    public uint ReadFixed32()
    {
        var value = BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
        return value;
    }

    public ulong ReadFixed64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    /// <summary>Reads a length-delimited field (bytes, string or nested message) without copying.</summary>
    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        var length = ReadVarint();
        if (length > (ulong)Remaining)
        {
            throw new ProtobufFormatException($"Protobuf length {length} exceeds the {Remaining} bytes remaining.");
        }
        return Take((int)length);
    }

    /// <exception cref="ProtobufFormatException">Not valid UTF-8.</exception>
    public string ReadString()
    {
        var bytes = ReadLengthDelimited();
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ProtobufFormatException("Protobuf string field is not valid UTF-8.");
        }
    }

    /// <summary>Skips the value of a field of the given wire type. Groups (deprecated) are rejected.</summary>
    public void Skip(WireType type)
    {
        switch (type)
        {
            case WireType.Varint:
                ReadVarint();
                break;
            case WireType.Fixed64:
                Take(8);
                break;
            case WireType.LengthDelimited:
                ReadLengthDelimited();
                break;
            case WireType.Fixed32:
                Take(4);
                break;
            default:
                throw new ProtobufFormatException($"Unsupported protobuf wire type {type}.");
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > Remaining)
        {
            throw new ProtobufFormatException($"Truncated protobuf field: {count} bytes needed, {Remaining} remaining.");
        }
        var slice = _buffer.Slice(_position, count);
        _position += count;
        return slice;
    }
}
