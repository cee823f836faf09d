using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace DataMesh.Storage.Crypto;

// Interim copy: the Crypto helper owns ContentHash (Crypto/ContentHash.cs). This file exists only so the chunk
// store builds before that lands; it is deleted on `git merge main` once Crypto/ContentHash.cs is on main.

/// <summary>A BLAKE3-256 digest: the address of a shard, chunk or manifest.</summary>
public readonly struct ContentHash : IEquatable<ContentHash>
{
    /// <summary>Digest length in bytes.</summary>
    public const int Size = 32;

    private readonly ulong _a, _b, _c, _d;

    private ContentHash(ReadOnlySpan<byte> bytes)
    {
        _a = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _b = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _c = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _d = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    /// <summary>Hashes <paramref name="data"/>.</summary>
    public static ContentHash Compute(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[Size];
        Blake3.Hasher.Hash(data, digest);
        return new ContentHash(digest);
    }

    /// <summary>Wraps an existing 32-byte digest.</summary>
    public static ContentHash FromBytes(ReadOnlySpan<byte> digest)
    {
        if (digest.Length != Size)
        {
            throw new ArgumentException($"A content hash is {Size} bytes, got {digest.Length}.", nameof(digest));
        }
        return new ContentHash(digest);
    }

    /// <summary>Writes the 32 digest bytes into <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    /// <summary>Parses 64 hex digits.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out ContentHash hash)
    {
        hash = default;
        if (text is null || text.Length != Size * 2)
        {
            return false;
        }
        Span<byte> digest = stackalloc byte[Size];
        if (Convert.FromHexString(text, digest, out _, out int written) != System.Buffers.OperationStatus.Done || written != Size)
        {
            return false;
        }
        hash = new ContentHash(digest);
        return true;
    }

    /// <summary>Parses 64 hex digits or throws <see cref="FormatException"/>.</summary>
    public static ContentHash Parse(string text) =>
        TryParse(text, out ContentHash hash) ? hash : throw new FormatException("A content hash is 64 hex digits.");

    /// <summary>Lower-case hex, 64 characters.</summary>
    public override string ToString()
    {
        Span<byte> digest = stackalloc byte[Size];
        WriteTo(digest);
        return Convert.ToHexStringLower(digest);
    }

    public bool Equals(ContentHash other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;
    public override bool Equals(object? obj) => obj is ContentHash other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(_a, _b, _c, _d);
    public static bool operator ==(ContentHash left, ContentHash right) => left.Equals(right);
    public static bool operator !=(ContentHash left, ContentHash right) => !left.Equals(right);
}
