using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Crypto;

namespace DataMesh.Storage.Manifests;

/// <summary>
/// The private part of a manifest: the file's name and tags. Stored sealed under the file key, so anyone
/// holding only the manifest learns sizes and shard addresses but not what the file is called.
/// </summary>
/// <remarks>
/// Plaintext encoding: field 1 name (bytes, UTF-8), field 2 tag count (varint), then field 3 (bytes, UTF-8)
/// once per tag. Sealed with ChaCha20-Poly1305 under the file key, nonce <c>0x01 0 0 0 || 0 (u64)</c>
/// (purpose 1 = metadata, disjoint from chunk nonces), associated data <c>"DMmeta01" || fileId</c>.
/// </remarks>
public sealed record FileMetadata
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public FileMetadata(string name, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var tagList = (tags ?? []).ToArray();
        if (StrictUtf8.GetByteCount(name) > ManifestLimits.MaxFileNameBytes)
        {
            throw new ArgumentException($"A file name is at most {ManifestLimits.MaxFileNameBytes} UTF-8 bytes.", nameof(name));
        }
        if (tagList.Length > ManifestLimits.MaxTags)
        {
            throw new ArgumentException($"A file has at most {ManifestLimits.MaxTags} tags.", nameof(tags));
        }
        foreach (var tag in tagList)
        {
            if (tag is null || StrictUtf8.GetByteCount(tag) > ManifestLimits.MaxTagBytes)
            {
                throw new ArgumentException($"Each tag is a non-null string of at most {ManifestLimits.MaxTagBytes} UTF-8 bytes.", nameof(tags));
            }
        }
        Name = name;
        Tags = Array.AsReadOnly(tagList);
    }

    public string Name { get; }

    public IReadOnlyList<string> Tags { get; }

    public bool Equals(FileMetadata? other) =>
        other is not null && Name == other.Name && Tags.SequenceEqual(other.Tags);

    public override int GetHashCode() => HashCode.Combine(Name, Tags.Count);

    /// <summary>Encodes and seals name and tags under <paramref name="key"/> for file <paramref name="fileId"/>.</summary>
    public byte[] Seal(FileKey key, FileId fileId)
    {
        ArgumentNullException.ThrowIfNull(key);
        var plain = new ArrayBufferWriter<byte>();
        var writer = new WireWriter(plain);
        writer.WriteBytesField(1, StrictUtf8.GetBytes(Name));
        writer.WriteVarintField(2, (ulong)Tags.Count);
        foreach (var tag in Tags)
        {
            writer.WriteBytesField(3, StrictUtf8.GetBytes(tag));
        }

        var sealedBytes = new byte[plain.WrittenCount + ChunkCipher.TagLength];
        Span<byte> nonce = stackalloc byte[ChunkCipher.NonceLength];
        Span<byte> associatedData = stackalloc byte[8 + FileId.Size];
        ChunkCipher.WriteNonce(nonce, ChunkCipher.MetadataPurpose, 0);
        WriteAssociatedData(associatedData, fileId);
        var cipher = key.RentCipher();
        try
        {
            cipher.Encrypt(nonce, plain.WrittenSpan, sealedBytes.AsSpan(0, plain.WrittenCount),
                sealedBytes.AsSpan(plain.WrittenCount), associatedData);
        }
        finally
        {
            key.ReturnCipher(cipher);
            plain.Clear();
        }
        return sealedBytes;
    }

    /// <summary>Authenticates, decrypts and decodes sealed metadata.</summary>
    /// <exception cref="WrongKeyException">The key is not this file's key (or the blob was altered).</exception>
    /// <exception cref="ManifestFormatException">It decrypts but does not decode (never happens for honest writers).</exception>
    public static FileMetadata Open(ReadOnlySpan<byte> sealedMetadata, FileKey key, FileId fileId)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (sealedMetadata.Length < ChunkCipher.TagLength || sealedMetadata.Length > ManifestLimits.MaxSealedMetadataLength)
        {
            throw new ManifestFormatException($"Sealed file metadata is {sealedMetadata.Length} bytes, allowed {ChunkCipher.TagLength}..{ManifestLimits.MaxSealedMetadataLength}.");
        }
        int plainLength = sealedMetadata.Length - ChunkCipher.TagLength;
        byte[] plain = ArrayPool<byte>.Shared.Rent(plainLength);
        Span<byte> nonce = stackalloc byte[ChunkCipher.NonceLength];
        Span<byte> associatedData = stackalloc byte[8 + FileId.Size];
        ChunkCipher.WriteNonce(nonce, ChunkCipher.MetadataPurpose, 0);
        WriteAssociatedData(associatedData, fileId);
        var cipher = key.RentCipher();
        try
        {
            try
            {
                cipher.Decrypt(nonce, sealedMetadata[..plainLength], sealedMetadata[plainLength..], plain.AsSpan(0, plainLength), associatedData);
            }
            catch (AuthenticationTagMismatchException ex)
            {
                throw new WrongKeyException($"The file key does not open the name and tags of file {fileId}: it belongs to another file.", ex);
            }
            return Decode(plain.AsSpan(0, plainLength));
        }
        finally
        {
            key.ReturnCipher(cipher);
            CryptographicOperations.ZeroMemory(plain.AsSpan(0, plainLength));
            ArrayPool<byte>.Shared.Return(plain);
        }
    }

    private static FileMetadata Decode(ReadOnlySpan<byte> plain)
    {
        var reader = new WireReader(plain);
        try
        {
            string name = StrictUtf8.GetString(reader.ReadBytesField(1, "file name", 0, ManifestLimits.MaxFileNameBytes));
            int count = (int)reader.ReadVarintField(2, "tag count", 0, ManifestLimits.MaxTags);
            var tags = new string[count <= reader.Remaining / 2 ? count : throw reader.Error($"{count} tags cannot fit in {reader.Remaining} bytes")];
            for (int i = 0; i < count; i++)
            {
                tags[i] = StrictUtf8.GetString(reader.ReadBytesField(3, "tag", 0, ManifestLimits.MaxTagBytes));
            }
            if (!reader.AtEnd)
            {
                throw reader.Error("unexpected bytes after the last tag");
            }
            return new FileMetadata(name, tags);
        }
        catch (DecoderFallbackException ex)
        {
            throw new ManifestFormatException("The file name or a tag is not valid UTF-8.", ex);
        }
    }

    private static void WriteAssociatedData(Span<byte> associatedData, FileId fileId)
    {
        "DMmeta01"u8.CopyTo(associatedData);
        fileId.WriteTo(associatedData[8..]);
    }

    /// <summary>Names are private: show only the tag count.</summary>
    public override string ToString() => $"FileMetadata({Name.Length} chars, {Tags.Count} tags)";
}
