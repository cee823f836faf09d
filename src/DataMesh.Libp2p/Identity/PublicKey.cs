namespace DataMesh.Libp2p.Identity;

/// <summary>A peer's public identity key, as carried in libp2p PublicKey messages.</summary>
public abstract class PublicKey : IEquatable<PublicKey>
{
    private byte[]? _protobuf;

    private protected PublicKey()
    {
    }

    public abstract KeyType Type { get; }

    /// <summary>The key in its type's encoding (the protobuf Data field).</summary>
    public abstract ReadOnlyMemory<byte> Raw { get; }

    /// <summary>Verifies a signature made with the matching private key under this key type's signing rules.
    /// Returns false for any invalid or malformed signature.</summary>
    public abstract bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);

    /// <summary>The deterministic libp2p PublicKey protobuf encoding.</summary>
    public byte[] ToProtobuf() => (byte[])GetProtobuf().Clone();

    internal byte[] GetProtobuf() => _protobuf ??= KeyProtobuf.Encode(Type, Raw.Span);

    /// <exception cref="UnsupportedKeyTypeException">RSA or ECDSA.</exception>
    /// <exception cref="InvalidKeyException">Malformed message or key bytes.</exception>
    public static PublicKey FromProtobuf(ReadOnlySpan<byte> protobuf)
    {
        var type = KeyProtobuf.Decode(protobuf, "public key", out var data);
        return type switch
        {
            KeyType.Ed25519 => new Ed25519PublicKey(data),
            KeyType.Secp256k1 => new Secp256k1PublicKey(data),
            _ => throw new UnsupportedKeyTypeException(type),
        };
    }

    public bool Equals(PublicKey? other) => other is not null && other.Type == Type && other.Raw.Span.SequenceEqual(Raw.Span);

    public override bool Equals(object? obj) => Equals(obj as PublicKey);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Type);
        hash.AddBytes(Raw.Span);
        return hash.ToHashCode();
    }

    public override string ToString() => $"{Type} public key {Convert.ToHexStringLower(Raw.Span)}";
}
