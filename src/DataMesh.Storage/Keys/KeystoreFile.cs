using System.Buffers.Binary;
using System.Security.Cryptography;
using NSec.Cryptography;
using ChaCha20Poly1305 = System.Security.Cryptography.ChaCha20Poly1305;

namespace DataMesh.Storage.Keys;

/// <summary>
/// Byte layout of the identity file (all integers big-endian):
/// <code>
/// magic "DMKS" (4) | version (1) = 1 | protection (1): 0 = none, 1 = Argon2id + ChaCha20-Poly1305
/// Ed25519 public key (32) | X25519 public key (32)
/// protection 1 only: Argon2 memory KiB (u32) | passes (u32) | salt (16) | nonce (12)
/// secret: Ed25519 seed (32) || X25519 private key (32), then a 16-byte tag when protected,
///         or, when unprotected, BLAKE3-256 of all preceding bytes (32)
/// </code>
/// Any damage is detected: by the AEAD when protected (everything before the secret is its associated data),
/// by the checksum otherwise; in both cases the private keys must also reproduce the stored public keys.
/// </summary>
internal static class KeystoreFile
{
    public const int MaxLength = 256;

    private const byte Version = 1;
    private const byte Unprotected = 0;
    private const byte Protected = 1;
    private const int HeaderLength = 4 + 1 + 1 + 64;
    private const int KdfLength = 4 + 4 + 16 + 12;
    private const int SecretLength = 64;
    private const int TagLength = 16;
    private const int ChecksumLength = 32;
    private const int UnprotectedLength = HeaderLength + SecretLength + ChecksumLength;
    private const int ProtectedLength = HeaderLength + KdfLength + SecretLength + TagLength;

    public static byte[] Encode(UserIdentity identity, string? passphrase, KeystoreOptions options)
    {
        bool isProtected = passphrase is not null;
        var file = new byte[isProtected ? ProtectedLength : UnprotectedLength];
        "DMKS"u8.CopyTo(file);
        file[4] = Version;
        file[5] = isProtected ? Protected : Unprotected;
        identity.PublicIdentity.SigningKey.CopyTo(file.AsSpan(6));
        identity.PublicIdentity.AgreementKey.CopyTo(file.AsSpan(38));

        Span<byte> secret = stackalloc byte[SecretLength];
        try
        {
            identity.ExportPrivateKeys(secret[..32], secret[32..]);
            if (!isProtected)
            {
                secret.CopyTo(file.AsSpan(HeaderLength));
                Blake3.Hasher.Hash(file.AsSpan(0, HeaderLength + SecretLength), file.AsSpan(HeaderLength + SecretLength));
                return file;
            }

            var kdf = file.AsSpan(HeaderLength, KdfLength);
            BinaryPrimitives.WriteInt32BigEndian(kdf, options.Argon2MemoryKiB);
            BinaryPrimitives.WriteInt32BigEndian(kdf[4..], options.Argon2Passes);
            RandomNumberGenerator.Fill(kdf[8..]);
            Span<byte> key = stackalloc byte[32];
            try
            {
                DeriveKey(passphrase!, options.Argon2MemoryKiB, options.Argon2Passes, kdf.Slice(8, 16), key);
                using var aead = new ChaCha20Poly1305(key);
                int secretOffset = HeaderLength + KdfLength;
                aead.Encrypt(kdf.Slice(24, 12), secret, file.AsSpan(secretOffset, SecretLength),
                    file.AsSpan(secretOffset + SecretLength, TagLength), file.AsSpan(0, secretOffset));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
            return file;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    public static UserIdentity Decode(ReadOnlySpan<byte> file, string? passphrase, KeystoreOptions options, string path)
    {
        if (file.Length < HeaderLength || !file.StartsWith("DMKS"u8))
        {
            throw new KeystoreException($"'{path}' is not a DataMesh identity file.");
        }
        if (file[4] != Version)
        {
            throw new KeystoreException($"'{path}' uses identity file version {file[4]}; this build reads version {Version}.");
        }
        bool isProtected = file[5] switch
        {
            Unprotected => false,
            Protected => true,
            _ => throw new KeystoreException($"'{path}' uses an unknown protection scheme ({file[5]})."),
        };
        if (file.Length != (isProtected ? ProtectedLength : UnprotectedLength))
        {
            throw new KeystoreException($"'{path}' is damaged: {file.Length} bytes where {(isProtected ? ProtectedLength : UnprotectedLength)} were expected.");
        }
        if (!isProtected && passphrase is not null)
        {
            throw new KeystoreException(
                $"'{path}' is not passphrase-protected, but a passphrase was given. Load it without one, then save it again with a passphrase to protect it.");
        }
        if (isProtected && passphrase is null)
        {
            throw new WrongPassphraseException($"'{path}' is passphrase-protected; a passphrase is required.");
        }

        Span<byte> secret = stackalloc byte[SecretLength];
        try
        {
            if (isProtected)
            {
                OpenProtected(file, passphrase!, options, path, secret);
            }
            else
            {
                Span<byte> checksum = stackalloc byte[ChecksumLength];
                Blake3.Hasher.Hash(file[..(HeaderLength + SecretLength)], checksum);
                if (!checksum.SequenceEqual(file[(HeaderLength + SecretLength)..]))
                {
                    throw new KeystoreException($"'{path}' is damaged: its checksum does not match.");
                }
                file.Slice(HeaderLength, SecretLength).CopyTo(secret);
            }

            UserIdentity identity;
            try
            {
                identity = UserIdentity.FromPrivateKeys(secret[..32], secret[32..]);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException)
            {
                throw new KeystoreException($"'{path}' is damaged: its private keys are invalid.");
            }
            if (!identity.PublicIdentity.SigningKey.SequenceEqual(file.Slice(6, 32))
                || !identity.PublicIdentity.AgreementKey.SequenceEqual(file.Slice(38, 32)))
            {
                identity.Dispose();
                throw new KeystoreException($"'{path}' is damaged: its private keys do not match its public keys.");
            }
            return identity;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static void OpenProtected(ReadOnlySpan<byte> file, string passphrase, KeystoreOptions options, string path, Span<byte> secret)
    {
        var kdf = file.Slice(HeaderLength, KdfLength);
        int memoryKiB = BinaryPrimitives.ReadInt32BigEndian(kdf);
        int passes = BinaryPrimitives.ReadInt32BigEndian(kdf[4..]);
        if (memoryKiB < 8 || memoryKiB > options.MaxArgon2MemoryKiB || passes < 1 || passes > options.MaxArgon2Passes)
        {
            throw new KeystoreException(
                $"'{path}' asks for Argon2id cost memory={memoryKiB} KiB, passes={passes}, outside the accepted range " +
                $"(8..{options.MaxArgon2MemoryKiB} KiB, 1..{options.MaxArgon2Passes} passes); the file is damaged or was not written by DataMesh.");
        }

        Span<byte> key = stackalloc byte[32];
        try
        {
            DeriveKey(passphrase, memoryKiB, passes, kdf.Slice(8, 16), key);
            using var aead = new ChaCha20Poly1305(key);
            int secretOffset = HeaderLength + KdfLength;
            aead.Decrypt(kdf.Slice(24, 12), file.Slice(secretOffset, SecretLength),
                file.Slice(secretOffset + SecretLength, TagLength), secret, file[..secretOffset]);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new WrongPassphraseException($"Wrong passphrase for '{path}' (or the file is damaged).");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static void DeriveKey(string passphrase, int memoryKiB, int passes, ReadOnlySpan<byte> salt, Span<byte> key)
    {
        var parameters = new Argon2Parameters { DegreeOfParallelism = 1, MemorySize = memoryKiB, NumberOfPasses = passes };
        PasswordBasedKeyDerivationAlgorithm.Argon2id(parameters).DeriveBytes(passphrase, salt, key);
    }
}
