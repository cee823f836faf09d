using System.Buffers;
using System.Collections.Immutable;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Keys;

namespace DataMesh.Storage.Manifests;

/// <summary>
/// Encodes, signs, decodes and verifies manifests. Format: docs/manifest-format.md.
/// </summary>
public static class ManifestCodec
{
    private const int SignatureField = 16;

    private static ReadOnlySpan<byte> Magic => "DMMF"u8;

    private static ReadOnlySpan<byte> SignatureContext => "DataMesh manifest signature v1"u8;

    private const int HeaderLength = 5;

    /// <summary>Encodes <paramref name="manifest"/>, signs it with <paramref name="signer"/> (who must be its
    /// owner) and writes it to <paramref name="destination"/>. Returns the manifest's address.</summary>
    public static ManifestAddress Write(Manifest manifest, UserIdentity signer, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var encoded = Encode(manifest, signer);
        destination.Write(encoded);
        return ManifestAddress.Compute(encoded);
    }

    /// <summary>Like <see cref="Write"/>, returning the encoded bytes.</summary>
    public static byte[] Encode(Manifest manifest, UserIdentity signer)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(signer);
        if (signer.PublicIdentity != manifest.Owner)
        {
            throw new ArgumentException(
                $"The manifest names {manifest.Owner.Fingerprint} as owner but {signer.PublicIdentity.Fingerprint} is signing it.", nameof(signer));
        }

        int shardsPerStripe = manifest.DataShards + manifest.ParityShards;
        var buffer = new ArrayBufferWriter<byte>(256 + manifest.Stripes.Count * (8 + shardsPerStripe * ContentHash.Size)
                                                 + manifest.WrappedKeys.Count * 100 + manifest.SealedMetadata.Length);
        buffer.Write(Magic);
        buffer.Write([(byte)Manifest.CurrentVersion]);
        var writer = new WireWriter(buffer);
        Span<byte> scratch = stackalloc byte[ContentHash.Size];

        manifest.FileId.WriteTo(scratch);
        writer.WriteBytesField(1, scratch[..FileId.Size]);
        writer.WriteVarintField(2, (ulong)manifest.CreatedAt.ToUnixTimeMilliseconds());
        writer.WriteVarintField(3, (ulong)manifest.PlaintextSize);
        manifest.PlaintextHash.WriteTo(scratch);
        writer.WriteBytesField(4, scratch);
        writer.WriteVarintField(5, (ulong)manifest.ChunkSize);
        writer.WriteVarintField(6, (ulong)manifest.DataShards);
        writer.WriteVarintField(7, (ulong)manifest.ParityShards);
        writer.WriteVarintField(8, (ulong)manifest.Cipher);
        writer.WriteVarintField(9, (ulong)manifest.Stripes.Count);
        foreach (var stripe in manifest.Stripes)
        {
            writer.WriteBytesHeader(10, WireWriter.VarintLength((ulong)stripe.ShardLength) + stripe.Shards.Length * ContentHash.Size);
            writer.WriteVarint((ulong)stripe.ShardLength);
            foreach (var shard in stripe.Shards)
            {
                shard.WriteTo(scratch);
                writer.WriteRaw(scratch);
            }
        }
        writer.WriteVarintField(11, (ulong)manifest.WrappedKeys.Count);
        foreach (var wrapped in manifest.WrappedKeys)
        {
            writer.WriteBytesHeader(12, WrappedKey.EncodedLength);
            writer.WriteRaw(wrapped.RecipientId);
            writer.WriteRaw(wrapped.EphemeralPublicKey);
            writer.WriteRaw(wrapped.Ciphertext);
        }
        writer.WriteBytesField(13, manifest.SealedMetadata);
        writer.WriteBytesField(14, manifest.Owner.SigningKey);
        writer.WriteBytesField(15, manifest.Owner.AgreementKey);

        Span<byte> signedMessage = stackalloc byte[SignatureContext.Length + ContentHash.Size];
        BuildSignedMessage(buffer.WrittenSpan, signedMessage);
        Span<byte> signature = stackalloc byte[UserIdentity.SignatureLength];
        signer.Sign(signedMessage, signature);
        writer.WriteBytesField(SignatureField, signature);

        if (buffer.WrittenCount > ManifestLimits.MaxEncodedLength)
        {
            throw new ArgumentException(
                $"The manifest encodes to {buffer.WrittenCount} bytes, over the {ManifestLimits.MaxEncodedLength}-byte limit; use larger chunks.", nameof(manifest));
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a manifest fetched by its address: checks the bytes hash to <paramref name="expected"/>, then <see cref="Read(ReadOnlySpan{byte})"/>.</summary>
    /// <exception cref="ManifestTamperedException">The bytes are not the manifest with that address.</exception>
    public static Manifest Read(ReadOnlySpan<byte> encoded, ManifestAddress expected)
    {
        if (ManifestAddress.Compute(encoded) != expected)
        {
            throw new ManifestTamperedException($"The manifest received for {expected} does not match that address: it was altered or is another file's.");
        }
        return Read(encoded);
    }

    /// <summary>Decodes a manifest held in a (possibly multi-segment) sequence, e.g. straight from a pipe.</summary>
    /// <inheritdoc cref="Read(ReadOnlySpan{byte})"/>
    public static Manifest Read(ReadOnlySequence<byte> encoded)
    {
        if (encoded.IsSingleSegment)
        {
            return Read(encoded.FirstSpan);
        }
        if (encoded.Length > ManifestLimits.MaxEncodedLength)
        {
            throw new ManifestFormatException($"The manifest is {encoded.Length} bytes, over the {ManifestLimits.MaxEncodedLength}-byte limit.");
        }
        int length = (int)encoded.Length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            encoded.CopyTo(buffer);
            return Read(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Decodes a manifest, checking every bound and the owner's signature.</summary>
    /// <exception cref="ManifestFormatException">Truncated, malformed, or outside <see cref="ManifestLimits"/>.</exception>
    /// <exception cref="UnsupportedManifestVersionException">Written in another format version.</exception>
    /// <exception cref="ManifestTamperedException">The signature does not verify.</exception>
    public static Manifest Read(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length > ManifestLimits.MaxEncodedLength)
        {
            throw new ManifestFormatException($"The manifest is {encoded.Length} bytes, over the {ManifestLimits.MaxEncodedLength}-byte limit.");
        }
        if (!encoded.StartsWith(Magic))
        {
            throw new ManifestFormatException(encoded.Length < Magic.Length && Magic.StartsWith(encoded)
                ? $"Manifest truncated: {encoded.Length} bytes, shorter than its 4-byte magic."
                : "Not a DataMesh manifest: the first four bytes are not \"DMMF\".");
        }
        if (encoded.Length < HeaderLength)
        {
            throw new ManifestFormatException("Manifest truncated: it ends before its version byte.");
        }
        if (encoded[4] != Manifest.CurrentVersion)
        {
            throw new UnsupportedManifestVersionException(encoded[4], Manifest.CurrentVersion);
        }

        var reader = new WireReader(encoded[HeaderLength..], HeaderLength);
        var fileId = FileId.FromBytes(reader.ReadBytesField(1, "file id", FileId.Size, FileId.Size));
        long createdAtMs = reader.ReadVarintField(2, "creation time", 0, DateTimeOffset.MaxValue.ToUnixTimeMilliseconds());
        long plaintextSize = reader.ReadVarintField(3, "plaintext size", 0, long.MaxValue);
        var plaintextHash = ContentHash.FromBytes(reader.ReadBytesField(4, "plaintext hash", ContentHash.Size, ContentHash.Size));
        int chunkSize = (int)reader.ReadVarintField(5, "chunk size", ManifestLimits.MinChunkSize, ManifestLimits.MaxChunkSize);
        int dataShards = (int)reader.ReadVarintField(6, "data shard count", 1, ManifestLimits.MaxDataShards);
        int parityShards = (int)reader.ReadVarintField(7, "parity shard count", 0, ManifestLimits.MaxParityShards);
        var cipher = (CipherSuite)reader.ReadVarintField(8, "cipher suite", 0, int.MaxValue);
        int stripeCount = (int)reader.ReadVarintField(9, "stripe count", 0, ManifestLimits.MaxStripes);
        string? problem = Manifest.ValidateLayout(createdAtMs, plaintextSize, chunkSize, dataShards, parityShards, cipher, stripeCount);
        if (problem is not null)
        {
            throw reader.Error(problem);
        }

        var stripes = ReadStripes(ref reader, stripeCount, dataShards + parityShards);
        var wrappedKeys = ReadWrappedKeys(ref reader);
        var sealedMetadata = reader.ReadBytesField(13, "sealed metadata", ChunkCipher.TagLength, ManifestLimits.MaxSealedMetadataLength);
        var signingKey = reader.ReadBytesField(14, "owner signing key", PublicIdentity.KeyLength, PublicIdentity.KeyLength);
        var agreementKey = reader.ReadBytesField(15, "owner agreement key", PublicIdentity.KeyLength, PublicIdentity.KeyLength);
        int signedLength = HeaderLength + reader.Position;
        var signature = reader.ReadBytesField(SignatureField, "signature", UserIdentity.SignatureLength, UserIdentity.SignatureLength);
        if (!reader.AtEnd)
        {
            throw reader.Error($"{reader.Remaining} unexpected bytes after the signature");
        }

        PublicIdentity owner;
        try
        {
            owner = PublicIdentity.FromKeys(signingKey, agreementKey);
        }
        catch (InvalidPublicIdentityException ex)
        {
            throw new ManifestFormatException($"The manifest's owner identity is invalid: {ex.Message}", ex);
        }
        Span<byte> signedMessage = stackalloc byte[SignatureContext.Length + ContentHash.Size];
        BuildSignedMessage(encoded[..signedLength], signedMessage);
        if (!owner.Verify(signedMessage, signature))
        {
            throw new ManifestTamperedException(
                $"The manifest's signature by {owner.Fingerprint} does not verify: it was altered after signing.");
        }

        return new Manifest(fileId, DateTimeOffset.FromUnixTimeMilliseconds(createdAtMs), plaintextSize, plaintextHash, chunkSize,
            dataShards, parityShards, cipher, stripes, wrappedKeys, sealedMetadata, owner);
    }

    private static ManifestStripe[] ReadStripes(ref WireReader reader, int stripeCount, int shardsPerStripe)
    {
        int hashBytes = shardsPerStripe * ContentHash.Size;
        // Tag (1) + length (≥ 1) + shard length (≥ 1) + hashes: refuse counts the input cannot hold before allocating.
        long minimum = (long)stripeCount * (3 + hashBytes);
        if (minimum > reader.Remaining)
        {
            throw reader.Error($"{stripeCount} stripes need at least {minimum} bytes but only {reader.Remaining} remain");
        }
        var stripes = new ManifestStripe[stripeCount];
        var shards = ImmutableArray.CreateBuilder<ContentHash>(shardsPerStripe);
        for (int i = 0; i < stripeCount; i++)
        {
            int bodyOffset = HeaderLength + reader.Position;
            var body = reader.ReadBytesField(10, "stripe", 1 + hashBytes, 5 + hashBytes);
            var inner = new WireReader(body, bodyOffset);
            ulong shardLength = inner.ReadVarint("shard length");
            if (shardLength < 1 || shardLength > ManifestLimits.MaxShardLength)
            {
                throw inner.Error($"stripe {i} has shard length {shardLength}, allowed 1..{ManifestLimits.MaxShardLength}");
            }
            if (inner.Remaining != hashBytes)
            {
                throw inner.Error($"stripe {i} holds {inner.Remaining} bytes of shard addresses, expected {hashBytes}");
            }
            var hashes = inner.ReadRaw(hashBytes, "shard addresses");
            for (int s = 0; s < shardsPerStripe; s++)
            {
                shards.Add(ContentHash.FromBytes(hashes.Slice(s * ContentHash.Size, ContentHash.Size)));
            }
            stripes[i] = new ManifestStripe((int)shardLength, shards.MoveToImmutable());
            shards.Capacity = shardsPerStripe;
        }
        return stripes;
    }

    private static WrappedKey[] ReadWrappedKeys(ref WireReader reader)
    {
        int count = (int)reader.ReadVarintField(11, "recipient count", 1, ManifestLimits.MaxRecipients);
        long minimum = (long)count * (2 + WrappedKey.EncodedLength);
        if (minimum > reader.Remaining)
        {
            throw reader.Error($"{count} wrapped keys need at least {minimum} bytes but only {reader.Remaining} remain");
        }
        var keys = new WrappedKey[count];
        for (int i = 0; i < count; i++)
        {
            var entry = reader.ReadBytesField(12, "wrapped key", WrappedKey.EncodedLength, WrappedKey.EncodedLength);
            keys[i] = new WrappedKey(
                entry[..PublicIdentity.IdLength],
                entry.Slice(PublicIdentity.IdLength, WrappedKey.EphemeralKeyLength),
                entry[(PublicIdentity.IdLength + WrappedKey.EphemeralKeyLength)..]);
        }
        string? problem = Manifest.ValidateRecipients(keys);
        return problem is null ? keys : throw reader.Error(problem);
    }

    /// <summary>Ed25519 signs <c>"DataMesh manifest signature v1" || BLAKE3-256(bytes before the signature field)</c>.</summary>
    private static void BuildSignedMessage(ReadOnlySpan<byte> signedBytes, Span<byte> message)
    {
        SignatureContext.CopyTo(message);
        Blake3.Hasher.Hash(signedBytes, message[SignatureContext.Length..]);
    }
}
