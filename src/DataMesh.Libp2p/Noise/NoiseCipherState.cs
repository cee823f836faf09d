using System.Buffers.Binary;
using System.Security.Cryptography;

namespace DataMesh.Libp2p.Noise;

/// <summary>
/// A Noise CipherState for ChaChaPoly: a 256-bit key and a 64-bit message counter. The 96-bit AEAD nonce is four
/// zero bytes followed by the counter in little-endian order (Noise spec §12.3). A state is used by one thread at a
/// time (each direction of a channel owns one).
/// </summary>
internal sealed class NoiseCipherState : IDisposable
{
    public const int KeySize = 32;
    public const int TagSize = 16;

    private readonly ChaCha20Poly1305 _aead;

    internal NoiseCipherState(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"A ChaChaPoly key is {KeySize} bytes.", nameof(key));
        }
        _aead = new ChaCha20Poly1305(key);
    }

    /// <summary>The nonce the next operation will use.</summary>
    public ulong Nonce { get; private set; }

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> and writes the tag after it
    /// into <paramref name="tag"/>. Plaintext and ciphertext may be the same memory.</summary>
    /// <exception cref="NoiseProtocolException">The nonce space is exhausted.</exception>
    public void Encrypt(ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData = default)
    {
        Span<byte> nonce = stackalloc byte[12];
        NextNonce(nonce);
        _aead.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
    }

    /// <summary>Encrypts into <paramref name="destination"/> as ciphertext followed by the tag; returns bytes written.</summary>
    public int Encrypt(ReadOnlySpan<byte> plaintext, Span<byte> destination, ReadOnlySpan<byte> associatedData = default)
    {
        var length = plaintext.Length + TagSize;
        if (destination.Length < length)
        {
            throw new ArgumentException("Destination is too small for ciphertext and tag.", nameof(destination));
        }
        Encrypt(plaintext, destination[..plaintext.Length], destination.Slice(plaintext.Length, TagSize), associatedData);
        return length;
    }

    /// <summary>Decrypts ciphertext||tag into <paramref name="plaintext"/>; returns false if authentication fails.
    /// A failed decryption still consumes the nonce, as the peer's counter has moved on too.</summary>
    /// <exception cref="NoiseProtocolException">The nonce space is exhausted.</exception>
    public bool TryDecrypt(ReadOnlySpan<byte> ciphertextAndTag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData = default)
    {
        if (ciphertextAndTag.Length < TagSize)
        {
            return false;
        }
        var length = ciphertextAndTag.Length - TagSize;
        Span<byte> nonce = stackalloc byte[12];
        NextNonce(nonce);
        try
        {
            _aead.Decrypt(nonce, ciphertextAndTag[..length], ciphertextAndTag[length..], plaintext[..length], associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    public void Dispose() => _aead.Dispose();

    private void NextNonce(Span<byte> nonce)
    {
        // 2^64 - 1 is reserved by the Noise spec; reaching it means the channel must be closed.
        if (Nonce == ulong.MaxValue)
        {
            throw new NoiseProtocolException("Noise nonce space exhausted: the connection must be closed.");
        }
        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], Nonce);
        Nonce++;
    }

    /// <summary>Test hook: sets the counter (to exercise exhaustion without 2^64 messages).</summary>
    internal void SetNonceForTesting(ulong nonce) => Nonce = nonce;
}
