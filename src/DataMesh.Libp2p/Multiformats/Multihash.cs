using System.Security.Cryptography;

namespace DataMesh.Libp2p.Multiformats;

/// <summary>
/// A self-describing hash (multiformats/multihash): varint function code, varint digest length, digest.
/// Supported: the functions libp2p peer ids need, identity (0x00) and sha2-256 (0x12), and blake3 (0x1e) with a
/// 32-byte digest, the hash that names DataMesh shards (computed elsewhere: <see cref="FromDigest"/> wraps it).
/// </summary>
public sealed class Multihash : IEquatable<Multihash>
{
    public const ulong IdentityCode = 0x00;
    public const ulong Sha2_256Code = 0x12;
    public const ulong Blake3Code = 0x1e;

    /// <summary>Digest length of the sha2-256 and blake3 multihashes accepted (blake3 is extendable; 32 is its default).</summary>
    public const int HashDigestLength = 32;

    /// <summary>Longest identity digest accepted; identity multihashes inline small data such as keys.</summary>
    public const int MaxIdentityDigestLength = 128;

    private readonly byte[] _bytes;
    private readonly int _digestOffset;

    private Multihash(byte[] bytes, ulong code, int digestOffset)
    {
        _bytes = bytes;
        Code = code;
        _digestOffset = digestOffset;
    }

    /// <summary>The hash function code.</summary>
    public ulong Code { get; }

    /// <summary>The digest (for identity: the data itself).</summary>
    public ReadOnlyMemory<byte> Digest => _bytes.AsMemory(_digestOffset);

    /// <summary>The complete encoding: code, length, digest.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    public static Multihash Identity(ReadOnlySpan<byte> data)
    {
        if (data.Length > MaxIdentityDigestLength)
        {
            throw new ArgumentException($"Identity multihash data is limited to {MaxIdentityDigestLength} bytes.", nameof(data));
        }
        return Create(IdentityCode, data);
    }

    /// <summary>Hashes <paramref name="data"/> with SHA-256.</summary>
    public static Multihash Sha2_256(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(data, digest);
        return Create(Sha2_256Code, digest);
    }

    /// <summary>Wraps a digest computed elsewhere under the function <paramref name="code"/>.</summary>
    /// <exception cref="MultihashFormatException">Unsupported function, or a digest length it does not have.</exception>
    public static Multihash FromDigest(ulong code, ReadOnlySpan<byte> digest)
    {
        CheckDigestLength(code, (ulong)digest.Length);
        return Create(code, digest);
    }

    /// <summary>Parses a complete multihash; trailing bytes are an error.</summary>
    /// <exception cref="MultihashFormatException"></exception>
    public static Multihash FromBytes(ReadOnlySpan<byte> bytes)
    {
        var multihash = Read(bytes, out var consumed);
        if (consumed != bytes.Length)
        {
            throw new MultihashFormatException($"Multihash has {bytes.Length - consumed} trailing bytes.");
        }
        return multihash;
    }

    /// <summary>Parses a multihash at the start of <paramref name="bytes"/>, reporting how many bytes it used.</summary>
    /// <exception cref="MultihashFormatException"></exception>
    public static Multihash Read(ReadOnlySpan<byte> bytes, out int consumed)
    {
        ulong code;
        ulong length;
        int codeSize;
        int lengthSize;
        try
        {
            code = Varint.ReadComplete(bytes, out codeSize, "multihash code");
            length = Varint.ReadComplete(bytes[codeSize..], out lengthSize, "multihash length");
        }
        catch (MalformedVarintException ex)
        {
            throw new MultihashFormatException($"Malformed multihash: {ex.Message}", ex);
        }
        CheckDigestLength(code, length);
        var header = codeSize + lengthSize;
        if ((ulong)(bytes.Length - header) < length)
        {
            throw new MultihashFormatException($"Truncated multihash: digest needs {length} bytes, {bytes.Length - header} available.");
        }
        consumed = header + (int)length;
        return new Multihash(bytes[..consumed].ToArray(), code, header);
    }

    private static void CheckDigestLength(ulong code, ulong length)
    {
        switch (code)
        {
            case IdentityCode when length > MaxIdentityDigestLength:
                throw new MultihashFormatException($"Identity multihash digest of {length} bytes exceeds {MaxIdentityDigestLength}.");
            case Sha2_256Code or Blake3Code when length != HashDigestLength:
                throw new MultihashFormatException($"{(code == Sha2_256Code ? "sha2-256" : "blake3")} multihash must have a {HashDigestLength}-byte digest, not {length}.");
            case IdentityCode or Sha2_256Code or Blake3Code:
                break;
            default:
                throw new MultihashFormatException($"Unsupported multihash function code 0x{code:x}.");
        }
    }

    public bool Equals(Multihash? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => Equals(obj as Multihash);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    public override string ToString() => Base58.Encode(_bytes);

    private static Multihash Create(ulong code, ReadOnlySpan<byte> digest)
    {
        var header = Varint.GetSize(code) + Varint.GetSize((ulong)digest.Length);
        var bytes = new byte[header + digest.Length];
        var n = Varint.Write(bytes, code);
        Varint.Write(bytes.AsSpan(n), (ulong)digest.Length);
        digest.CopyTo(bytes.AsSpan(header));
        return new Multihash(bytes, code, header);
    }
}
