using System.Diagnostics.CodeAnalysis;
using DataMesh.Shared;
using DataMesh.Storage.Addressing;
using NSec.Cryptography;

namespace DataMesh.Storage.Keys;

/// <summary>
/// What others need to know about a user: the Ed25519 key that signs manifests and the X25519 key that
/// file keys are wrapped to. Two independent keys, so a signature key is never used for key agreement.
/// </summary>
/// <remarks>
/// Text form (<see cref="Export"/>): <c>"dmid1"</c> + lowercase base32 of
/// <c>version (1 byte, = 1) || Ed25519 public key (32) || X25519 public key (32) || checksum (4)</c>,
/// 116 characters in all. The checksum is BLAKE3 over the prefix and payload, so typos are caught.
/// </remarks>
public sealed class PublicIdentity : IEquatable<PublicIdentity>
{
    public const string TextPrefix = "dmid1";
    public const int KeyLength = 32;

    /// <summary>Length of <see cref="Id"/>, the binary recipient id stored in manifests.</summary>
    public const int IdLength = 16;

    internal const byte PayloadVersion = 1;
    private const int PayloadLength = 1 + KeyLength + KeyLength;
    private const string IdContext = "DataMesh 2026 identity fingerprint v1";

    private readonly byte[] _signingKey;
    private readonly byte[] _agreementKey;
    private readonly byte[] _id;

    private PublicIdentity(byte[] signingKey, byte[] agreementKey, PublicKey signingPublicKey, PublicKey agreementPublicKey)
    {
        _signingKey = signingKey;
        _agreementKey = agreementKey;
        SigningPublicKey = signingPublicKey;
        AgreementPublicKey = agreementPublicKey;

        using var hasher = Blake3.Hasher.NewDeriveKey(IdContext);
        hasher.Update(signingKey);
        hasher.Update(agreementKey);
        Span<byte> digest = stackalloc byte[32];
        hasher.Finalize(digest);
        _id = digest[..IdLength].ToArray();
        Fingerprint = FormatFingerprint(_id);
    }

    /// <summary>The raw Ed25519 public key (32 bytes).</summary>
    public ReadOnlySpan<byte> SigningKey => _signingKey;

    /// <summary>The raw X25519 public key (32 bytes).</summary>
    public ReadOnlySpan<byte> AgreementKey => _agreementKey;

    /// <summary>A 16-byte hash of both keys; identifies the recipient of a wrapped key in a manifest.</summary>
    public ReadOnlySpan<byte> Id => _id;

    /// <summary>Short form for display and comparison by eye, e.g. <c>k3xq-7mfa-2pdn-vw4e</c> (80 bits).</summary>
    public string Fingerprint { get; }

    internal PublicKey SigningPublicKey { get; }

    internal PublicKey AgreementPublicKey { get; }

    /// <summary>Builds an identity from raw public keys.</summary>
    /// <exception cref="InvalidPublicIdentityException">A key has the wrong length or is not a valid key.</exception>
    public static PublicIdentity FromKeys(ReadOnlySpan<byte> signingKey, ReadOnlySpan<byte> agreementKey)
    {
        if (signingKey.Length != KeyLength || agreementKey.Length != KeyLength)
        {
            throw new InvalidPublicIdentityException(
                $"An identity has two {KeyLength}-byte public keys, got {signingKey.Length} and {agreementKey.Length} bytes.");
        }
        if (!PublicKey.TryImport(SignatureAlgorithm.Ed25519, signingKey, KeyBlobFormat.RawPublicKey, out var signing) || signing is null)
        {
            throw new InvalidPublicIdentityException("The identity's signing key is not a valid Ed25519 public key.");
        }
        if (!PublicKey.TryImport(KeyAgreementAlgorithm.X25519, agreementKey, KeyBlobFormat.RawPublicKey, out var agreement) || agreement is null)
        {
            throw new InvalidPublicIdentityException("The identity's key-agreement key is not a valid X25519 public key.");
        }
        if (IsLowOrder(agreement))
        {
            throw new InvalidPublicIdentityException("The identity's key-agreement key is a degenerate (low-order) X25519 point; nothing can be shared with it.");
        }
        return new PublicIdentity(signingKey.ToArray(), agreementKey.ToArray(), signing, agreement);
    }

    /// <summary>One copy-pasteable string: <c>dmid1…</c>.</summary>
    public string Export()
    {
        Span<byte> payload = stackalloc byte[PayloadLength];
        payload[0] = PayloadVersion;
        _signingKey.CopyTo(payload[1..]);
        _agreementKey.CopyTo(payload[(1 + KeyLength)..]);
        return CheckedText.Encode(TextPrefix, payload);
    }

    /// <exception cref="InvalidPublicIdentityException">With a sentence naming the problem: wrong prefix,
    /// invalid character and its position, wrong length, checksum mismatch, unknown version.</exception>
    public static PublicIdentity Parse(string text)
    {
        Span<byte> payload = stackalloc byte[PayloadLength];
        string? error = CheckedText.TryDecode(text, TextPrefix, "public identity", payload);
        if (error is not null)
        {
            throw new InvalidPublicIdentityException(error);
        }
        if (payload[0] != PayloadVersion)
        {
            throw new InvalidPublicIdentityException(
                $"This public identity uses format version {payload[0]}; this build reads version {PayloadVersion}. Upgrade DataMesh.");
        }
        return FromKeys(payload.Slice(1, KeyLength), payload.Slice(1 + KeyLength, KeyLength));
    }

    public static bool TryParse(string? text, [NotNullWhen(true)] out PublicIdentity? identity)
    {
        try
        {
            identity = text is null ? null : Parse(text);
        }
        catch (InvalidPublicIdentityException)
        {
            identity = null;
        }
        return identity is not null;
    }

    /// <summary>Checks an Ed25519 signature made by this identity.</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        signature.Length == UserIdentity.SignatureLength
        && SignatureAlgorithm.Ed25519.Verify(SigningPublicKey, data, signature);

    /// <summary>The <see cref="Export"/> text (public information).</summary>
    public override string ToString() => Export();

    public bool Equals(PublicIdentity? other) =>
        other is not null && _signingKey.AsSpan().SequenceEqual(other._signingKey) && _agreementKey.AsSpan().SequenceEqual(other._agreementKey);

    public override bool Equals(object? obj) => Equals(obj as PublicIdentity);

    public override int GetHashCode() => BitConverter.ToInt32(_id);

    public static bool operator ==(PublicIdentity? left, PublicIdentity? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(PublicIdentity? left, PublicIdentity? right) => !(left == right);

    /// <summary>Every clamped X25519 scalar is a multiple of 8, so a low-order point yields the all-zero
    /// secret (which NSec reports as null) with any key: one trial agreement tells.</summary>
    private static bool IsLowOrder(PublicKey agreement)
    {
        using var probe = Key.Create(KeyAgreementAlgorithm.X25519);
        using var shared = KeyAgreementAlgorithm.X25519.Agree(probe, agreement);
        return shared is null;
    }

    /// <summary>First 10 bytes of an identity id as four dash-separated groups of base32.</summary>
    internal static string FormatFingerprint(ReadOnlySpan<byte> id)
    {
        string text = Base32.Encode(id[..10]);
        return string.Join('-', text[..4], text[4..8], text[8..12], text[12..16]);
    }
}
