using System.Security.Cryptography;
using System.Text;

namespace DataMesh.Libp2p.Noise;

/// <summary>The Noise SymmetricState (Noise spec §5.2) for Noise_XX_25519_ChaChaPoly_SHA256: chaining key, handshake
/// hash and the current handshake cipher.</summary>
internal sealed class NoiseSymmetricState : IDisposable
{
    public const string ProtocolName = "Noise_XX_25519_ChaChaPoly_SHA256";
    private const int HashLength = 32;

    private readonly byte[] _chainingKey = new byte[HashLength];
    private readonly byte[] _hash = new byte[HashLength];
    private NoiseCipherState? _cipher;

    public NoiseSymmetricState(ReadOnlySpan<byte> prologue)
    {
        // The name is exactly HASHLEN bytes, so h = name (no hashing, no padding); ck = h.
        var written = Encoding.ASCII.GetBytes(ProtocolName, _hash);
        if (written != HashLength)
        {
            throw new InvalidOperationException("Protocol name must be 32 bytes.");
        }
        _hash.CopyTo(_chainingKey, 0);
        // The prologue is mixed in even when empty (libp2p uses an empty one).
        MixHash(prologue);
    }

    public bool HasKey => _cipher is not null;

    public ReadOnlySpan<byte> HandshakeHash => _hash;

    public void MixHash(ReadOnlySpan<byte> data)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(_hash);
        sha.AppendData(data);
        sha.GetHashAndReset(_hash);
    }

    public void MixKey(ReadOnlySpan<byte> inputKeyMaterial)
    {
        Span<byte> output = stackalloc byte[2 * HashLength];
        Hkdf(inputKeyMaterial, output);
        output[..HashLength].CopyTo(_chainingKey);
        _cipher?.Dispose();
        _cipher = new NoiseCipherState(output[HashLength..]);
        CryptographicOperations.ZeroMemory(output);
    }

    /// <summary>Appends the (encrypted once a key exists) <paramref name="plaintext"/> to <paramref name="output"/>
    /// and mixes the ciphertext into the handshake hash.</summary>
    public int EncryptAndHash(ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        int length;
        if (_cipher is null)
        {
            plaintext.CopyTo(output);
            length = plaintext.Length;
        }
        else
        {
            length = _cipher.Encrypt(plaintext, output, _hash);
        }
        MixHash(output[..length]);
        return length;
    }

    /// <exception cref="NoiseHandshakeException">Authentication failed.</exception>
    public int DecryptAndHash(ReadOnlySpan<byte> ciphertext, Span<byte> plaintext)
    {
        int length;
        if (_cipher is null)
        {
            ciphertext.CopyTo(plaintext);
            length = ciphertext.Length;
        }
        else
        {
            if (!_cipher.TryDecrypt(ciphertext, plaintext, _hash))
            {
                throw new NoiseHandshakeException("Noise handshake message failed authentication (tampered or wrong keys).");
            }
            length = ciphertext.Length - NoiseCipherState.TagSize;
        }
        MixHash(ciphertext);
        return length;
    }

    /// <summary>Derives the two transport keys: the first encrypts initiator→responder, the second the reverse.</summary>
    public (NoiseCipherState InitiatorToResponder, NoiseCipherState ResponderToInitiator) Split()
    {
        Span<byte> output = stackalloc byte[2 * HashLength];
        Hkdf([], output);
        var result = (new NoiseCipherState(output[..HashLength]), new NoiseCipherState(output[HashLength..]));
        CryptographicOperations.ZeroMemory(output);
        return result;
    }

    public void Dispose()
    {
        _cipher?.Dispose();
        CryptographicOperations.ZeroMemory(_chainingKey);
    }

    /// <summary>Noise's HKDF(ck, ikm, 2) (Noise spec §4.3), i.e. RFC 5869 HKDF-SHA256 with salt = ck, empty info and
    /// 64 bytes of output. Written out with HMAC because the platform HKDF rejects the empty input key material that
    /// Split uses.</summary>
    private void Hkdf(ReadOnlySpan<byte> inputKeyMaterial, Span<byte> output)
    {
        Span<byte> tempKey = stackalloc byte[HashLength];
        Span<byte> block = stackalloc byte[HashLength + 1];
        HMACSHA256.HashData(_chainingKey, inputKeyMaterial, tempKey);
        block[0] = 0x01;
        HMACSHA256.HashData(tempKey, block[..1], output[..HashLength]);
        output[..HashLength].CopyTo(block);
        block[HashLength] = 0x02;
        HMACSHA256.HashData(tempKey, block, output[HashLength..]);
        CryptographicOperations.ZeroMemory(tempKey);
        CryptographicOperations.ZeroMemory(block);
    }
}
