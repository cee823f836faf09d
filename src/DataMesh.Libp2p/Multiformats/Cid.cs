namespace DataMesh.Libp2p.Multiformats;

/// <summary>A binary CIDv1 (multiformats/cid): varint version (1), varint content codec, multihash. CIDv0, a bare
/// sha2-256 multihash, is read as a <see cref="Multihash"/> instead. Text form: base32 multibase ("b…").</summary>
public sealed class Cid : IEquatable<Cid>
{
    /// <summary>The multicodec of plain bytes (a DataMesh shard is named as raw content).</summary>
    public const ulong RawCodec = 0x55;

    /// <summary>The multicodec of a libp2p public key (peer ids as CIDs).</summary>
    public const ulong Libp2pKeyCodec = 0x72;

    private readonly byte[] _bytes;

    private Cid(byte[] bytes, ulong codec, Multihash multihash)
    {
        _bytes = bytes;
        Codec = codec;
        Multihash = multihash;
    }

    public ulong Codec { get; }

    public Multihash Multihash { get; }

    /// <summary>The binary form: version, codec, multihash.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    public static Cid V1(ulong codec, Multihash multihash)
    {
        ArgumentNullException.ThrowIfNull(multihash);
        int header = Varint.GetSize(1) + Varint.GetSize(codec);
        var bytes = new byte[header + multihash.Bytes.Length];
        int n = Varint.Write(bytes, 1);
        Varint.Write(bytes.AsSpan(n), codec);
        multihash.Bytes.Span.CopyTo(bytes.AsSpan(header));
        return new Cid(bytes, codec, multihash);
    }

    /// <summary>Parses a complete binary CIDv1; trailing bytes are an error.</summary>
    /// <exception cref="CidFormatException"></exception>
    public static Cid FromBytes(ReadOnlySpan<byte> bytes)
    {
        try
        {
            ulong version = Varint.ReadComplete(bytes, out int versionSize, "CID version");
            if (version != 1)
            {
                throw new CidFormatException($"CID version {version} is not 1.");
            }
            ulong codec = Varint.ReadComplete(bytes[versionSize..], out int codecSize, "CID codec");
            Multihash multihash = Multihash.FromBytes(bytes[(versionSize + codecSize)..]);
            return new Cid(bytes.ToArray(), codec, multihash);
        }
        catch (Exception ex) when (ex is MalformedVarintException or MultihashFormatException)
        {
            throw new CidFormatException($"Malformed CID: {ex.Message}", ex);
        }
    }

    /// <summary>Parses <paramref name="bytes"/> when they are a binary CIDv1.</summary>
    public static bool TryFromBytes(ReadOnlySpan<byte> bytes, out Cid? cid)
    {
        cid = null;
        // A CIDv1 starts with the one-byte varint 1; nothing else is worth the exception path.
        if (bytes.Length < 2 || bytes[0] != 1)
        {
            return false;
        }
        try
        {
            cid = FromBytes(bytes);
            return true;
        }
        catch (CidFormatException)
        {
            return false;
        }
    }

    public override string ToString() => Multibase.Encode(MultibaseEncoding.Base32Lower, _bytes);

    public bool Equals(Cid? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => Equals(obj as Cid);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }
}
