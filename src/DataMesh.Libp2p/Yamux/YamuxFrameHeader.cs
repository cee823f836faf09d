using System.Buffers;
using System.Buffers.Binary;

namespace DataMesh.Libp2p.Yamux;

/// <summary>The four frame types of yamux version 0.</summary>
internal enum YamuxFrameType : byte
{
    Data = 0,
    WindowUpdate = 1,
    Ping = 2,
    GoAway = 3,
}

/// <summary>Frame flags. Unknown bits are ignored, as the reference implementation does.</summary>
[Flags]
internal enum YamuxFrameFlags : ushort
{
    None = 0,
    Syn = 1,
    Ack = 2,
    Fin = 4,
    Rst = 8,
}

/// <summary>
/// The fixed 12-byte yamux header: version (1), type (1), flags (2), stream id (4), length (4), all big-endian.
/// For Data the length is the payload size; for WindowUpdate the window delta; for Ping the opaque value;
/// for GoAway the error code.
/// </summary>
internal readonly record struct YamuxFrameHeader(YamuxFrameType Type, YamuxFrameFlags Flags, uint StreamId, uint Length)
{
    public const int Size = 12;
    public const byte ProtocolVersion = 0;

    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException("The destination is shorter than a yamux header.", nameof(destination));
        }

        destination[0] = ProtocolVersion;
        destination[1] = (byte)Type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)Flags);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], StreamId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Length);
    }

    public void WriteTo(IBufferWriter<byte> writer)
    {
        WriteTo(writer.GetSpan(Size));
        writer.Advance(Size);
    }

    /// <summary>Parses a header from the start of <paramref name="buffer"/>; false when fewer than 12 bytes are there.</summary>
    /// <exception cref="YamuxProtocolException">The version or the frame type is not yamux version 0.</exception>
    public static bool TryParse(in ReadOnlySequence<byte> buffer, out YamuxFrameHeader header)
    {
        if (buffer.Length < Size)
        {
            header = default;
            return false;
        }

        Span<byte> bytes = stackalloc byte[Size];
        buffer.Slice(0, Size).CopyTo(bytes);
        header = Parse(bytes);
        return true;
    }

    /// <exception cref="YamuxProtocolException">The version or the frame type is not yamux version 0.</exception>
    public static YamuxFrameHeader Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Size)
        {
            throw new ArgumentException("A yamux header is 12 bytes.", nameof(bytes));
        }

        if (bytes[0] != ProtocolVersion)
        {
            throw new YamuxProtocolException($"Unsupported yamux version {bytes[0]} (only version 0 exists).");
        }

        if (bytes[1] > (byte)YamuxFrameType.GoAway)
        {
            throw new YamuxProtocolException($"Unknown yamux frame type {bytes[1]}.");
        }

        return new YamuxFrameHeader(
            (YamuxFrameType)bytes[1],
            (YamuxFrameFlags)BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]));
    }
}
