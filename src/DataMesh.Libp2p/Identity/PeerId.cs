using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Identity;

/// <summary>
/// A libp2p peer id: the multihash of the peer's public key protobuf (identity multihash when that is at most 42 bytes,
/// else sha2-256). Text forms: base58btc multihash (canonical) or a CIDv1 with the libp2p-key codec.
/// </summary>
public sealed class PeerId : IEquatable<PeerId>, IComparable<PeerId>
{
    /// <summary>Keys whose protobuf is at most this long are inlined with the identity multihash.</summary>
    public const int MaxInlineKeyLength = 42;

    /// <summary>The multicodec of a CID naming a libp2p public key.</summary>
    public const ulong Libp2pKeyCodec = Cid.Libp2pKeyCodec;

    private const int MaxTextLength = 256;

    private readonly byte[] _bytes;
    private readonly int _hashCode;
    private string? _text;

    private PeerId(byte[] multihash)
    {
        _bytes = multihash;
        var hash = new HashCode();
        hash.AddBytes(multihash);
        _hashCode = hash.ToHashCode();
    }

    /// <summary>The multihash bytes.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    public static PeerId FromPublicKey(PublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        var protobuf = publicKey.GetProtobuf();
        var multihash = protobuf.Length <= MaxInlineKeyLength ? Multihash.Identity(protobuf) : Multihash.Sha2_256(protobuf);
        return new PeerId(multihash.Bytes.ToArray());
    }

    /// <summary>Parses a peer id multihash (identity of at most 42 bytes, or sha2-256).</summary>
    /// <exception cref="InvalidPeerIdException"></exception>
    public static PeerId FromBytes(ReadOnlySpan<byte> multihash)
    {
        Multihash parsed;
        try
        {
            parsed = Multihash.FromBytes(multihash);
        }
        catch (MultihashFormatException ex)
        {
            throw new InvalidPeerIdException($"Invalid peer id: {ex.Message}", ex);
        }
        if (parsed.Code is not (Multihash.IdentityCode or Multihash.Sha2_256Code))
        {
            throw new InvalidPeerIdException($"Invalid peer id: multihash function 0x{parsed.Code:x} is neither identity nor sha2-256.");
        }
        if (parsed.Code == Multihash.IdentityCode && parsed.Digest.Length > MaxInlineKeyLength)
        {
            throw new InvalidPeerIdException($"Invalid peer id: an identity multihash peer id inlines at most {MaxInlineKeyLength} bytes, not {parsed.Digest.Length}.");
        }
        return new PeerId(multihash.ToArray());
    }

    /// <summary>Parses base58btc ("Qm…", "12D3…", "16U…") or a multibase CIDv1 with the libp2p-key codec ("bafz…").</summary>
    /// <exception cref="InvalidPeerIdException"></exception>
    public static PeerId Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0 || text.Length > MaxTextLength)
        {
            throw new InvalidPeerIdException($"Invalid peer id: length {text.Length} is outside 1..{MaxTextLength}.");
        }
        try
        {
            if (text[0] == '1' || text.StartsWith("Qm", StringComparison.Ordinal))
            {
                return FromBytes(Base58.Decode(text));
            }
            return FromCid(Multibase.Decode(text));
        }
        catch (MultibaseFormatException ex)
        {
            throw new InvalidPeerIdException($"Invalid peer id '{text}': {ex.Message}", ex);
        }
        catch (InvalidPeerIdException ex)
        {
            throw new InvalidPeerIdException($"Invalid peer id '{text}': {ex.Message}", ex);
        }
    }

    public static bool TryParse(string? text, out PeerId? peerId)
    {
        peerId = null;
        if (text is null)
        {
            return false;
        }
        try
        {
            peerId = Parse(text);
            return true;
        }
        catch (InvalidPeerIdException)
        {
            return false;
        }
    }

    /// <summary>The public key inlined in an identity-multihash peer id (Ed25519, secp256k1).</summary>
    public bool TryGetPublicKey(out PublicKey? publicKey)
    {
        publicKey = null;
        var multihash = Multihash.FromBytes(_bytes);
        if (multihash.Code != Multihash.IdentityCode)
        {
            return false;
        }
        try
        {
            publicKey = PublicKey.FromProtobuf(multihash.Digest.Span);
            return true;
        }
        catch (Libp2pException)
        {
            return false;
        }
    }

    /// <summary>True when <paramref name="publicKey"/> is the key this peer id was derived from.</summary>
    public bool Matches(PublicKey publicKey) => Equals(FromPublicKey(publicKey));

    /// <summary>The canonical base58btc multihash form.</summary>
    public override string ToString() => _text ??= Base58.Encode(_bytes);

    /// <summary>The CIDv1 form: base32 multibase, libp2p-key codec ("bafz…").</summary>
    public string ToCidString() => Cid.V1(Libp2pKeyCodec, Multihash.FromBytes(_bytes)).ToString();

    public bool Equals(PeerId? other) =>
        other is not null && other._hashCode == _hashCode && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => Equals(obj as PeerId);

    public override int GetHashCode() => _hashCode;

    public int CompareTo(PeerId? other) => other is null ? 1 : _bytes.AsSpan().SequenceCompareTo(other._bytes);

    public static bool operator ==(PeerId? left, PeerId? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(PeerId? left, PeerId? right) => !(left == right);

    public static bool operator <(PeerId? left, PeerId? right) => left is null ? right is not null : left.CompareTo(right) < 0;

    public static bool operator <=(PeerId? left, PeerId? right) => left is null || left.CompareTo(right) <= 0;

    public static bool operator >(PeerId? left, PeerId? right) => left is not null && left.CompareTo(right) > 0;

    public static bool operator >=(PeerId? left, PeerId? right) => left is null ? right is null : left.CompareTo(right) >= 0;

    private static PeerId FromCid(byte[] bytes)
    {
        Cid cid;
        try
        {
            cid = Cid.FromBytes(bytes);
        }
        catch (CidFormatException ex)
        {
            throw new InvalidPeerIdException(ex.Message, ex);
        }
        if (cid.Codec != Libp2pKeyCodec)
        {
            throw new InvalidPeerIdException($"CID codec 0x{cid.Codec:x} is not libp2p-key (0x72).");
        }
        return FromBytes(cid.Multihash.Bytes.Span);
    }
}
