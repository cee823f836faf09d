using System.Security.Cryptography;
using DataMesh.Storage.Keys;
using NSec.Cryptography;
using ChaCha20Poly1305 = System.Security.Cryptography.ChaCha20Poly1305;

namespace DataMesh.Storage.Crypto;

/// <summary>
/// Sealed-box style wrapping of a <see cref="FileKey"/> for one recipient.
/// </summary>
/// <remarks>
/// A fresh ephemeral X25519 key pair per wrap; shared secret = X25519(ephemeral, recipient);
/// wrapping key = HKDF-SHA256(shared secret, salt = empty, info = "DataMesh key wrap v1" || ephemeral public
/// key || recipient X25519 public key); file key sealed with ChaCha20-Poly1305 under that key with an all-zero
/// nonce (the wrapping key is used exactly once) and the recipient id as associated data.
/// </remarks>
public static class KeyWrap
{
    private static ReadOnlySpan<byte> InfoLabel => "DataMesh key wrap v1"u8;

    public static WrappedKey Wrap(FileKey fileKey, PublicIdentity recipient)
    {
        ArgumentNullException.ThrowIfNull(fileKey);
        ArgumentNullException.ThrowIfNull(recipient);

        using var ephemeral = Key.Create(KeyAgreementAlgorithm.X25519);
        byte[] ephemeralPublic = ephemeral.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        using var shared = KeyAgreementAlgorithm.X25519.Agree(ephemeral, recipient.AgreementPublicKey)
            ?? throw new ArgumentException("The recipient's X25519 key is a low-order point and cannot receive keys.", nameof(recipient));

        Span<byte> wrappingKey = stackalloc byte[32];
        Span<byte> plaintext = stackalloc byte[FileKey.Size];
        Span<byte> ciphertext = stackalloc byte[WrappedKey.CiphertextLength];
        try
        {
            DeriveWrappingKey(shared, ephemeralPublic, recipient.AgreementKey, wrappingKey);
            fileKey.CopyTo(plaintext);
            using var aead = new ChaCha20Poly1305(wrappingKey);
            Span<byte> nonce = stackalloc byte[ChunkCipher.NonceLength];
            nonce.Clear();
            aead.Encrypt(nonce, plaintext, ciphertext[..FileKey.Size], ciphertext[FileKey.Size..], recipient.Id);
            return new WrappedKey(recipient.Id, ephemeralPublic, ciphertext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(wrappingKey);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Recovers the file key from a key wrapped for <paramref name="recipient"/>.</summary>
    /// <exception cref="WrongKeyException">The key was wrapped for another identity, or does not open.</exception>
    public static FileKey Unwrap(WrappedKey wrapped, UserIdentity recipient)
    {
        ArgumentNullException.ThrowIfNull(wrapped);
        ArgumentNullException.ThrowIfNull(recipient);
        var identity = recipient.PublicIdentity;
        if (!wrapped.IsFor(identity))
        {
            throw NotShared(identity);
        }

        if (!PublicKey.TryImport(KeyAgreementAlgorithm.X25519, wrapped.EphemeralPublicKey, KeyBlobFormat.RawPublicKey, out var ephemeral) || ephemeral is null)
        {
            throw new WrongKeyException($"The key wrapped for identity {identity.Fingerprint} has an invalid ephemeral key.");
        }
        using var shared = KeyAgreementAlgorithm.X25519.Agree(recipient.AgreementKey, ephemeral)
            ?? throw new WrongKeyException($"The key wrapped for identity {identity.Fingerprint} has a degenerate ephemeral key.");

        Span<byte> wrappingKey = stackalloc byte[32];
        Span<byte> plaintext = stackalloc byte[FileKey.Size];
        try
        {
            DeriveWrappingKey(shared, wrapped.EphemeralPublicKey, identity.AgreementKey, wrappingKey);
            using var aead = new ChaCha20Poly1305(wrappingKey);
            Span<byte> nonce = stackalloc byte[ChunkCipher.NonceLength];
            nonce.Clear();
            aead.Decrypt(nonce, wrapped.Ciphertext[..FileKey.Size], wrapped.Ciphertext[FileKey.Size..], plaintext, identity.Id);
            return FileKey.FromBytes(plaintext);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new WrongKeyException(
                $"The key wrapped for identity {identity.Fingerprint} does not open with this identity's private key.", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(wrappingKey);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Finds the key wrapped for <paramref name="recipient"/> among <paramref name="wrappedKeys"/> and opens it.</summary>
    /// <exception cref="WrongKeyException">"this file was not shared with identity &lt;fingerprint&gt;".</exception>
    public static FileKey Unwrap(IEnumerable<WrappedKey> wrappedKeys, UserIdentity recipient)
    {
        ArgumentNullException.ThrowIfNull(wrappedKeys);
        ArgumentNullException.ThrowIfNull(recipient);
        foreach (var wrapped in wrappedKeys)
        {
            if (wrapped.IsFor(recipient.PublicIdentity))
            {
                return Unwrap(wrapped, recipient);
            }
        }
        throw NotShared(recipient.PublicIdentity);
    }

    private static WrongKeyException NotShared(PublicIdentity identity) =>
        new($"This file was not shared with identity {identity.Fingerprint}.");

    private static void DeriveWrappingKey(SharedSecret shared, ReadOnlySpan<byte> ephemeralPublic, ReadOnlySpan<byte> recipientPublic, Span<byte> key)
    {
        Span<byte> info = stackalloc byte[InfoLabel.Length + 64];
        InfoLabel.CopyTo(info);
        ephemeralPublic.CopyTo(info[InfoLabel.Length..]);
        recipientPublic.CopyTo(info[(InfoLabel.Length + 32)..]);
        KeyDerivationAlgorithm.HkdfSha256.DeriveBytes(shared, ReadOnlySpan<byte>.Empty, info, key);
    }
}
