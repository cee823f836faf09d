using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace DataMesh.Libp2p.Kad;

/// <summary>A point in the 256-bit Kademlia key space: the SHA-256 of a record key, a provider key or a peer id's
/// multihash bytes (libp2p/specs kad-dht "Distance"). Held as four big-endian 64-bit words so XOR distance and
/// comparisons are a few instructions, and the struct is a cheap value to keep in routing tables and lookups.</summary>
public readonly struct KadKey : IEquatable<KadKey>, IComparable<KadKey>
{
    public const int Size = 32;

    private readonly ulong _w0;
    private readonly ulong _w1;
    private readonly ulong _w2;
    private readonly ulong _w3;

    private KadKey(ulong w0, ulong w1, ulong w2, ulong w3)
    {
        _w0 = w0;
        _w1 = w1;
        _w2 = w2;
        _w3 = w3;
    }

    /// <summary>The key of arbitrary bytes: SHA-256 of them (record keys, provider keys, peer id multihashes).</summary>
    public static KadKey Hash(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[Size];
        SHA256.HashData(data, digest);
        return FromDigest(digest);
    }

    /// <summary>Wraps 32 bytes that already are a position in the key space (a digest, or a random refresh target).</summary>
    public static KadKey FromDigest(ReadOnlySpan<byte> digest)
    {
        if (digest.Length != Size)
        {
            throw new ArgumentException($"A Kademlia key is {Size} bytes, not {digest.Length}.", nameof(digest));
        }
        return new KadKey(
            BinaryPrimitives.ReadUInt64BigEndian(digest),
            BinaryPrimitives.ReadUInt64BigEndian(digest[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(digest[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(digest[24..]));
    }

    /// <summary>XOR distance; itself a key whose ordering is the distance ordering.</summary>
    public KadKey Xor(KadKey other) => new(_w0 ^ other._w0, _w1 ^ other._w1, _w2 ^ other._w2, _w3 ^ other._w3);

    /// <summary>Number of leading bits shared with <paramref name="other"/> (256 when equal): the bucket index.</summary>
    public int CommonPrefixLength(KadKey other) => Xor(other).LeadingZeroCount();

    /// <summary>Leading zero bits of this key read as a 256-bit big-endian number.</summary>
    public int LeadingZeroCount()
    {
        if (_w0 != 0)
        {
            return BitOperations.LeadingZeroCount(_w0);
        }
        if (_w1 != 0)
        {
            return 64 + BitOperations.LeadingZeroCount(_w1);
        }
        if (_w2 != 0)
        {
            return 128 + BitOperations.LeadingZeroCount(_w2);
        }
        return 192 + BitOperations.LeadingZeroCount(_w3);
    }

    /// <summary>Is <paramref name="a"/> strictly closer to this key than <paramref name="b"/>?</summary>
    public int CompareDistance(KadKey a, KadKey b) => Xor(a).CompareTo(Xor(b));

    /// <summary>A random key sharing exactly <paramref name="prefixLength"/> leading bits with this one, used to refresh
    /// the bucket of that index: flip bit <paramref name="prefixLength"/>, randomise the bits after it.</summary>
    public KadKey RandomWithCommonPrefix(int prefixLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(prefixLength, Size * 8);
        Span<byte> random = stackalloc byte[Size];
        RandomNumberGenerator.Fill(random);
        Span<byte> mine = stackalloc byte[Size];
        WriteTo(mine);
        int fullBytes = prefixLength / 8;
        mine[..fullBytes].CopyTo(random);
        int bit = prefixLength % 8;
        byte keepMask = (byte)(0xFF << (8 - bit)); // bits of this byte inside the prefix
        byte flip = (byte)(0x80 >> bit);
        byte mixed = (byte)((mine[fullBytes] & keepMask) | (random[fullBytes] & ~keepMask & 0xFF));
        random[fullBytes] = (byte)((mixed & ~flip & 0xFF) | (~mine[fullBytes] & flip & 0xFF));
        return FromDigest(random);
    }

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _w0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _w1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _w2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _w3);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    public int CompareTo(KadKey other)
    {
        int c = _w0.CompareTo(other._w0);
        if (c != 0)
        {
            return c;
        }
        c = _w1.CompareTo(other._w1);
        if (c != 0)
        {
            return c;
        }
        c = _w2.CompareTo(other._w2);
        return c != 0 ? c : _w3.CompareTo(other._w3);
    }

    public bool Equals(KadKey other) => _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2 && _w3 == other._w3;

    public override bool Equals(object? obj) => obj is KadKey other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_w0, _w1, _w2, _w3);

    public override string ToString() => Convert.ToHexStringLower(ToArray());

    public static bool operator ==(KadKey left, KadKey right) => left.Equals(right);

    public static bool operator !=(KadKey left, KadKey right) => !left.Equals(right);

    public static bool operator <(KadKey left, KadKey right) => left.CompareTo(right) < 0;

    public static bool operator <=(KadKey left, KadKey right) => left.CompareTo(right) <= 0;

    public static bool operator >(KadKey left, KadKey right) => left.CompareTo(right) > 0;

    public static bool operator >=(KadKey left, KadKey right) => left.CompareTo(right) >= 0;
}
