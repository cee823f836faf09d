using System.Buffers.Binary;
using System.Security.Cryptography;
using DataMesh.Storage.Addressing;

namespace DataMesh.Storage.Crypto;

/// <summary>
/// Seals and opens one chunk with ChaCha20-Poly1305 under the per-file key.
/// </summary>
/// <remarks>
/// <para>Why ChaCha20-Poly1305 rather than AES-256-GCM: both run at several GB/s per core with OpenSSL here,
/// far above disk and network speed, but peers include small ARM boards without AES instructions, where
/// AES-GCM is slow and, in software, prone to cache-timing leaks; ChaCha20-Poly1305 is fast and constant-time
/// everywhere. Its 96-bit nonce is ample because each key seals one file and the nonce is the chunk index.</para>
/// <para>Nonce: <c>0x00 0x00 0x00 0x00 || chunkIndex (u64 big-endian)</c>. The first byte is a purpose tag
/// (0 = chunk, 1 = metadata) so the same file key never uses a nonce twice across purposes.</para>
/// <para>Associated data (37 bytes): <c>"DMchunk1" || fileId (16) || chunkIndex (u64 BE) || plaintextLength
/// (u32 BE) || isLast (1 byte)</c>. A chunk moved to another position, into another file, or presented as the
/// end of a truncated file fails authentication.</para>
/// <para>Sealed layout: ciphertext (same length as the plaintext) followed by the 16-byte tag.</para>
/// </remarks>
public static class ChunkCipher
{
    public const int TagLength = 16;
    public const int NonceLength = 12;

    /// <summary>Largest plaintext chunk accepted (4 MiB).</summary>
    public const int MaxChunkLength = 4 * 1024 * 1024;

    internal const byte ChunkPurpose = 0;
    internal const byte MetadataPurpose = 1;

    private const int AssociatedDataLength = 8 + FileId.Size + 8 + 4 + 1;

    public static int SealedLength(int plaintextLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        return checked(plaintextLength + TagLength);
    }

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="destination"/>; returns bytes written.
    /// <paramref name="destination"/> may be the same memory as the plaintext but must not partially overlap it.</summary>
    public static int Seal(FileKey key, ReadOnlySpan<byte> fileId, long chunkIndex, bool isLast,
        ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(key);
        ValidateCommon(fileId, chunkIndex, plaintext.Length);
        int sealedLength = plaintext.Length + TagLength;
        if (destination.Length < sealedLength)
        {
            throw new ArgumentException($"Destination needs {sealedLength} bytes, has {destination.Length}.", nameof(destination));
        }

        Span<byte> nonce = stackalloc byte[NonceLength];
        Span<byte> associatedData = stackalloc byte[AssociatedDataLength];
        WriteNonce(nonce, ChunkPurpose, chunkIndex);
        WriteAssociatedData(associatedData, fileId, chunkIndex, plaintext.Length, isLast);

        var cipher = key.RentCipher();
        try
        {
            cipher.Encrypt(nonce, plaintext, destination[..plaintext.Length],
                destination.Slice(plaintext.Length, TagLength), associatedData);
        }
        finally
        {
            key.ReturnCipher(cipher);
        }
        return sealedLength;
    }

    /// <inheritdoc cref="Seal(FileKey, ReadOnlySpan{byte}, long, bool, ReadOnlySpan{byte}, Span{byte})"/>
    public static int Seal(FileKey key, FileId fileId, long chunkIndex, bool isLast,
        ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        Span<byte> id = stackalloc byte[FileId.Size];
        fileId.WriteTo(id);
        return Seal(key, id, chunkIndex, isLast, plaintext, destination);
    }

    /// <summary>Authenticates and decrypts a sealed chunk; returns the plaintext length.</summary>
    /// <exception cref="ChunkAuthenticationException">The chunk does not belong at this position of this file
    /// under this key, or its bytes were altered. <paramref name="destination"/> is cleared.</exception>
    public static int Open(FileKey key, ReadOnlySpan<byte> fileId, long chunkIndex, bool isLast,
        ReadOnlySpan<byte> sealedChunk, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (sealedChunk.Length < TagLength)
        {
            throw new ChunkAuthenticationException(
                $"Chunk {chunkIndex} is {sealedChunk.Length} bytes, shorter than its {TagLength}-byte authentication tag: it was truncated.");
        }
        int plaintextLength = sealedChunk.Length - TagLength;
        if (plaintextLength > MaxChunkLength)
        {
            throw new ChunkAuthenticationException(
                $"Chunk {chunkIndex} is {sealedChunk.Length} bytes, more than any sealed chunk can be ({MaxChunkLength + TagLength}).");
        }
        ValidateCommon(fileId, chunkIndex, plaintextLength);
        if (destination.Length < plaintextLength)
        {
            throw new ArgumentException($"Destination needs {plaintextLength} bytes, has {destination.Length}.", nameof(destination));
        }

        Span<byte> nonce = stackalloc byte[NonceLength];
        Span<byte> associatedData = stackalloc byte[AssociatedDataLength];
        WriteNonce(nonce, ChunkPurpose, chunkIndex);
        WriteAssociatedData(associatedData, fileId, chunkIndex, plaintextLength, isLast);

        var cipher = key.RentCipher();
        try
        {
            cipher.Decrypt(nonce, sealedChunk[..plaintextLength], sealedChunk[plaintextLength..],
                destination[..plaintextLength], associatedData);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new ChunkAuthenticationException(
                $"Chunk {chunkIndex}{(isLast ? " (last)" : "")} of file {Convert.ToHexStringLower(fileId)} failed authentication: " +
                "it was altered, truncated, moved from another position or file, or the file key is wrong.", ex);
        }
        finally
        {
            key.ReturnCipher(cipher);
        }
        return plaintextLength;
    }

    /// <inheritdoc cref="Open(FileKey, ReadOnlySpan{byte}, long, bool, ReadOnlySpan{byte}, Span{byte})"/>
    public static int Open(FileKey key, FileId fileId, long chunkIndex, bool isLast,
        ReadOnlySpan<byte> sealedChunk, Span<byte> destination)
    {
        Span<byte> id = stackalloc byte[FileId.Size];
        fileId.WriteTo(id);
        return Open(key, id, chunkIndex, isLast, sealedChunk, destination);
    }

    internal static void WriteNonce(Span<byte> nonce, byte purpose, long index)
    {
        nonce[..4].Clear();
        nonce[0] = purpose;
        BinaryPrimitives.WriteInt64BigEndian(nonce[4..], index);
    }

    private static void WriteAssociatedData(Span<byte> ad, ReadOnlySpan<byte> fileId, long chunkIndex, int plaintextLength, bool isLast)
    {
        "DMchunk1"u8.CopyTo(ad);
        fileId.CopyTo(ad[8..]);
        BinaryPrimitives.WriteInt64BigEndian(ad[24..], chunkIndex);
        BinaryPrimitives.WriteInt32BigEndian(ad[32..], plaintextLength);
        ad[36] = isLast ? (byte)1 : (byte)0;
    }

    private static void ValidateCommon(ReadOnlySpan<byte> fileId, long chunkIndex, int plaintextLength)
    {
        if (fileId.Length != FileId.Size)
        {
            throw new ArgumentException($"A file id is {FileId.Size} bytes, got {fileId.Length}.", nameof(fileId));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(chunkIndex);
        if (plaintextLength > MaxChunkLength)
        {
            throw new ArgumentOutOfRangeException(nameof(plaintextLength), plaintextLength,
                $"A chunk holds at most {MaxChunkLength} bytes.");
        }
    }
}
