using DataMesh.Storage.Keys;

namespace DataMesh.Storage.Crypto;

/// <summary>
/// A file key sealed to one recipient's X25519 key (see <see cref="KeyWrap"/>). Safe to publish: it
/// reveals only which identity (by <see cref="RecipientId"/>) can open it.
/// </summary>
public sealed record WrappedKey
{
    public const int EphemeralKeyLength = 32;
    public const int CiphertextLength = FileKey.Size + ChunkCipher.TagLength;

    /// <summary>Size of one wrapped key in a manifest: id, ephemeral key and ciphertext.</summary>
    public const int EncodedLength = PublicIdentity.IdLength + EphemeralKeyLength + CiphertextLength;

    private readonly byte[] _recipientId;
    private readonly byte[] _ephemeralPublicKey;
    private readonly byte[] _ciphertext;

    public WrappedKey(ReadOnlySpan<byte> recipientId, ReadOnlySpan<byte> ephemeralPublicKey, ReadOnlySpan<byte> ciphertext)
    {
        if (recipientId.Length != PublicIdentity.IdLength)
        {
            throw new ArgumentException($"A recipient id is {PublicIdentity.IdLength} bytes.", nameof(recipientId));
        }
        if (ephemeralPublicKey.Length != EphemeralKeyLength)
        {
            throw new ArgumentException($"An ephemeral key is {EphemeralKeyLength} bytes.", nameof(ephemeralPublicKey));
        }
        if (ciphertext.Length != CiphertextLength)
        {
            throw new ArgumentException($"A wrapped key's ciphertext is {CiphertextLength} bytes.", nameof(ciphertext));
        }
        _recipientId = recipientId.ToArray();
        _ephemeralPublicKey = ephemeralPublicKey.ToArray();
        _ciphertext = ciphertext.ToArray();
    }

    /// <summary><see cref="PublicIdentity.Id"/> of the recipient.</summary>
    public ReadOnlySpan<byte> RecipientId => _recipientId;

    /// <summary>The same fingerprint the recipient's <see cref="PublicIdentity.Fingerprint"/> shows.</summary>
    public string RecipientFingerprint => PublicIdentity.FormatFingerprint(_recipientId);

    public ReadOnlySpan<byte> EphemeralPublicKey => _ephemeralPublicKey;

    public ReadOnlySpan<byte> Ciphertext => _ciphertext;

    public bool IsFor(PublicIdentity identity) => identity.Id.SequenceEqual(_recipientId);

    public bool Equals(WrappedKey? other) =>
        other is not null
        && _recipientId.AsSpan().SequenceEqual(other._recipientId)
        && _ephemeralPublicKey.AsSpan().SequenceEqual(other._ephemeralPublicKey)
        && _ciphertext.AsSpan().SequenceEqual(other._ciphertext);

    public override int GetHashCode() => BitConverter.ToInt32(_ephemeralPublicKey);

    public override string ToString() => $"WrappedKey(for {RecipientFingerprint})";
}
