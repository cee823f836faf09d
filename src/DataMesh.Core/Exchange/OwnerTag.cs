using DataMesh.Storage.Keys;

namespace DataMesh.Core.Exchange;

/// <summary>Who claims a stored shard: the raw Ed25519 signing public key (32 bytes) of the user who stored it. A
/// tag is not authenticated when it is stored (anyone may add a claim under any key; that only keeps a shard
/// longer), but only the key's holder can sign the Delete that removes it. See docs/chunk-exchange.md.</summary>
internal readonly struct OwnerTag : IEquatable<OwnerTag>
{
    public const int Size = PublicIdentity.KeyLength;

    private readonly byte[]? _key;

    private OwnerTag(byte[] key) => _key = key;

    /// <summary>The key bytes (empty for <c>default</c>).</summary>
    public ReadOnlySpan<byte> Key => _key;

    /// <summary>The tag of a user: their signing key, the key that signs their manifests and deletes.</summary>
    public static OwnerTag Of(PublicIdentity owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return new OwnerTag(owner.SigningKey.ToArray());
    }

    /// <exception cref="ArgumentException">Not <see cref="Size"/> bytes.</exception>
    public static OwnerTag FromBytes(ReadOnlySpan<byte> key)
    {
        if (key.Length != Size)
        {
            throw new ArgumentException($"An owner tag is {Size} bytes, got {key.Length}.", nameof(key));
        }
        return new OwnerTag(key.ToArray());
    }

    public void WriteTo(Span<byte> destination) => Key.CopyTo(destination);

    public bool Equals(OwnerTag other) => Key.SequenceEqual(other.Key);

    public override bool Equals(object? obj) => obj is OwnerTag other && Equals(other);

    public override int GetHashCode() => _key is null ? 0 : BitConverter.ToInt32(_key, 0);

    public static bool operator ==(OwnerTag left, OwnerTag right) => left.Equals(right);

    public static bool operator !=(OwnerTag left, OwnerTag right) => !left.Equals(right);

    public override string ToString() => Convert.ToHexStringLower(Key);
}
