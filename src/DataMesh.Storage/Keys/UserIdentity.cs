using System.Security.Cryptography;
using NSec.Cryptography;

namespace DataMesh.Storage.Keys;

/// <summary>
/// The user's private keys: an Ed25519 signing key and an independent X25519 key that file keys are
/// wrapped to. Dispose it as soon as it is no longer needed; the native key memory is wiped on dispose.
/// </summary>
public sealed class UserIdentity : IDisposable
{
    public const int SignatureLength = 64;
    internal const int PrivateKeyLength = 32;

    private readonly Key _signingKey;
    private readonly Key _agreementKey;

    private UserIdentity(Key signingKey, Key agreementKey)
    {
        _signingKey = signingKey;
        _agreementKey = agreementKey;
        PublicIdentity = PublicIdentity.FromKeys(
            signingKey.PublicKey.Export(KeyBlobFormat.RawPublicKey),
            agreementKey.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    public PublicIdentity PublicIdentity { get; }

    /// <summary>Creates fresh random keys.</summary>
    public static UserIdentity Generate()
    {
        var parameters = new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
        var signing = Key.Create(SignatureAlgorithm.Ed25519, parameters);
        try
        {
            return new UserIdentity(signing, Key.Create(KeyAgreementAlgorithm.X25519, parameters));
        }
        catch
        {
            signing.Dispose();
            throw;
        }
    }

    /// <summary>Signs <paramref name="data"/> with Ed25519.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        var signature = new byte[SignatureLength];
        Sign(data, signature);
        return signature;
    }

    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature)
    {
        if (signature.Length < SignatureLength)
        {
            throw new ArgumentException($"A signature needs {SignatureLength} bytes.", nameof(signature));
        }
        SignatureAlgorithm.Ed25519.Sign(_signingKey, data, signature[..SignatureLength]);
    }

    /// <summary>The X25519 private key, for unwrapping file keys.</summary>
    internal Key AgreementKey => _agreementKey;

    /// <summary>Rebuilds an identity from raw private keys (the keystore's job); the caller wipes its buffers.</summary>
    internal static UserIdentity FromPrivateKeys(ReadOnlySpan<byte> signingSeed, ReadOnlySpan<byte> agreementKey)
    {
        var parameters = new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
        var signing = Key.Import(SignatureAlgorithm.Ed25519, signingSeed, KeyBlobFormat.RawPrivateKey, parameters);
        try
        {
            return new UserIdentity(signing, Key.Import(KeyAgreementAlgorithm.X25519, agreementKey, KeyBlobFormat.RawPrivateKey, parameters));
        }
        catch
        {
            signing.Dispose();
            throw;
        }
    }

    /// <summary>Writes both raw private keys (32 bytes each) for the keystore; the caller wipes them.</summary>
    internal void ExportPrivateKeys(Span<byte> signingSeed, Span<byte> agreementKey)
    {
        if (!_signingKey.TryExport(KeyBlobFormat.RawPrivateKey, signingSeed, out int written1) || written1 != PrivateKeyLength
            || !_agreementKey.TryExport(KeyBlobFormat.RawPrivateKey, agreementKey, out int written2) || written2 != PrivateKeyLength)
        {
            CryptographicOperations.ZeroMemory(signingSeed);
            CryptographicOperations.ZeroMemory(agreementKey);
            throw new InvalidOperationException("The identity's private keys could not be exported.");
        }
    }

    /// <summary>Shows only the public fingerprint.</summary>
    public override string ToString() => $"UserIdentity({PublicIdentity.Fingerprint})";

    public void Dispose()
    {
        _signingKey.Dispose();
        _agreementKey.Dispose();
    }
}
