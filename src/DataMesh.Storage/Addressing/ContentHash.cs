using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace DataMesh.Storage.Addressing;

/// <summary>
/// A BLAKE3-256 digest: the address of a stored shard, of a manifest, and the whole-file plaintext hash.
/// </summary>
/// <remarks>
/// Text form: 64 lowercase hex digits, the same spelling <c>b3sum</c> prints. Hex rather than base32 because
/// it names files on disk (case-insensitive file systems, sortable, prefix-shardable into directories by
/// its first characters) and is what operators compare by eye against standard tools. <see cref="Parse"/>
/// accepts either case; <see cref="ToString"/> always writes lowercase.
/// </remarks>
[StructLayout(LayoutKind.Auto)]
public readonly struct ContentHash : IEquatable<ContentHash>
{
    public const int Size = 32;
    public const int TextLength = Size * 2;

    // Four words instead of an array: a hash is a value, copied freely, never allocated.
    private readonly ulong _w0, _w1, _w2, _w3;

    private ContentHash(ReadOnlySpan<byte> bytes)
    {
        _w0 = MemoryMarshal.Read<ulong>(bytes);
        _w1 = MemoryMarshal.Read<ulong>(bytes[8..]);
        _w2 = MemoryMarshal.Read<ulong>(bytes[16..]);
        _w3 = MemoryMarshal.Read<ulong>(bytes[24..]);
    }

    /// <summary>BLAKE3-256 of <paramref name="data"/>.</summary>
    public static ContentHash Compute(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[Size];
        Blake3.Hasher.Hash(data, digest);
        return new ContentHash(digest);
    }

    /// <summary>Wraps a digest computed elsewhere (exactly <see cref="Size"/> bytes).</summary>
    public static ContentHash FromBytes(ReadOnlySpan<byte> digest)
    {
        if (digest.Length != Size)
        {
            throw new ArgumentException($"A content hash is {Size} bytes, got {digest.Length}.", nameof(digest));
        }
        return new ContentHash(digest);
    }

    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"Destination needs {Size} bytes, has {destination.Length}.", nameof(destination));
        }
        MemoryMarshal.Write(destination, in _w0);
        MemoryMarshal.Write(destination[8..], in _w1);
        MemoryMarshal.Write(destination[16..], in _w2);
        MemoryMarshal.Write(destination[24..], in _w3);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    public static ContentHash Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParse(text, out var hash))
        {
            string shown = text.Length > 80 ? text[..80] + "…" : text;
            throw new ContentHashFormatException(text.Length == TextLength
                ? $"'{shown}' is not a content hash: it contains characters other than hex digits."
                : $"'{shown}' is not a content hash: expected {TextLength} hex digits, got {text.Length} characters.");
        }
        return hash;
    }

    public static bool TryParse([NotNullWhen(true)] string? text, out ContentHash hash) => TryParse(text.AsSpan(), out hash);

    public static bool TryParse(ReadOnlySpan<char> text, out ContentHash hash)
    {
        hash = default;
        if (text.Length != TextLength)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[Size];
        if (Convert.FromHexString(text, bytes, out _, out int written) != System.Buffers.OperationStatus.Done || written != Size)
        {
            return false;
        }
        hash = new ContentHash(bytes);
        return true;
    }

    public bool Equals(ContentHash other) =>
        _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2 && _w3 == other._w3;

    public override bool Equals(object? obj) => obj is ContentHash other && Equals(other);

    // The words of a cryptographic hash are already uniformly distributed.
    public override int GetHashCode() => (int)_w0 ^ (int)(_w0 >> 32);

    public static bool operator ==(ContentHash left, ContentHash right) => left.Equals(right);

    public static bool operator !=(ContentHash left, ContentHash right) => !left.Equals(right);
}
