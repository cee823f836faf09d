using System.Buffers;

namespace DataMesh.Libp2p.Multiformats;

/// <summary>
/// Unsigned LEB128 varints as profiled by multiformats/unsigned-varint: at most 9 bytes (so values up to
/// 2^63 - 1) and minimally encoded. Protobuf varints (10 bytes allowed) live in <c>Protobuf</c>.
/// </summary>
internal static class Varint
{
    /// <summary>Most bytes a spec-conforming varint may occupy.</summary>
    public const int MaxLength = 9;

    /// <summary>Largest value that fits the 9-byte limit.</summary>
    public const ulong MaxValue = (1UL << 63) - 1;

    public static int GetSize(ulong value)
    {
        ThrowIfTooLarge(value);
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }
        return size;
    }

    /// <summary>Writes <paramref name="value"/> into <paramref name="destination"/> and returns the byte count.</summary>
    public static int Write(Span<byte> destination, ulong value)
    {
        ThrowIfTooLarge(value);
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    public static void Write(IBufferWriter<byte> writer, ulong value)
    {
        var span = writer.GetSpan(MaxLength);
        writer.Advance(Write(span, value));
    }

    /// <summary>
    /// Decodes a varint from the start of <paramref name="source"/>. Returns false when more bytes are needed.
    /// </summary>
    /// <exception cref="MalformedVarintException">Over 9 bytes, or not minimally encoded.</exception>
    public static bool TryRead(ReadOnlySpan<byte> source, out ulong value, out int consumed)
    {
        ulong result = 0;
        var limit = Math.Min(source.Length, MaxLength);
        for (var i = 0; i < limit; i++)
        {
            var b = source[i];
            result |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0)
                {
                    throw new MalformedVarintException("Varint is not minimally encoded (trailing zero byte).");
                }
                value = result;
                consumed = i + 1;
                return true;
            }
        }
        if (source.Length >= MaxLength)
        {
            throw new MalformedVarintException($"Varint is longer than the {MaxLength}-byte maximum.");
        }
        value = 0;
        consumed = 0;
        return false;
    }

    /// <summary>
    /// Decodes a varint from <paramref name="reader"/>, advancing it only on success. Returns false when more
    /// bytes are needed.
    /// </summary>
    public static bool TryRead(ref SequenceReader<byte> reader, out ulong value)
    {
        if (TryRead(reader.UnreadSpan, out value, out var consumed))
        {
            reader.Advance(consumed);
            return true;
        }
        if (reader.UnreadSpan.Length == reader.Remaining)
        {
            return false;
        }
        // The varint straddles segments: copy the (at most 9) candidate bytes.
        Span<byte> scratch = stackalloc byte[MaxLength];
        var available = (int)Math.Min(reader.Remaining, MaxLength);
        reader.TryCopyTo(scratch[..available]);
        if (TryRead(scratch[..available], out value, out consumed))
        {
            reader.Advance(consumed);
            return true;
        }
        return false;
    }

    /// <summary>Decodes a varint that must be complete, for callers holding a whole message.</summary>
    internal static ulong ReadComplete(ReadOnlySpan<byte> source, out int consumed, string what)
    {
        if (!TryRead(source, out var value, out consumed))
        {
            throw new MalformedVarintException($"Truncated varint in {what}.");
        }
        return value;
    }

    private static void ThrowIfTooLarge(ulong value)
    {
        if (value > MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "Unsigned varints are limited to 2^63 - 1 (9 bytes).");
        }
    }
}
