using DataMesh.Storage.Addressing;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Keys;

namespace DataMesh.Storage.Manifests;

/// <summary>
/// Everything needed to fetch, verify and decrypt one stored file. Immutable; encoded and signed by
/// <see cref="ManifestCodec"/>, byte layout in docs/manifest-format.md.
/// </summary>
/// <remarks>
/// Chunk layout is fixed by the sizes: the file has <see cref="ChunkCount"/> chunks (an empty file has one
/// empty chunk, so even emptiness is authenticated); chunk i lives in stripe i / k at data position i % k,
/// and the last stripe may hold fewer than k chunks.
/// </remarks>
public sealed class Manifest
{
    public const int CurrentVersion = 1;

    private readonly byte[] _sealedMetadata;

    public Manifest(
        FileId fileId,
        DateTimeOffset createdAt,
        long plaintextSize,
        ContentHash plaintextHash,
        int chunkSize,
        int dataShards,
        int parityShards,
        CipherSuite cipher,
        IReadOnlyList<ManifestStripe> stripes,
        IReadOnlyList<WrappedKey> wrappedKeys,
        ReadOnlySpan<byte> sealedMetadata,
        PublicIdentity owner)
    {
        ArgumentNullException.ThrowIfNull(stripes);
        ArgumentNullException.ThrowIfNull(wrappedKeys);
        ArgumentNullException.ThrowIfNull(owner);
        string? problem = Validate(createdAt.ToUnixTimeMilliseconds(), plaintextSize, chunkSize, dataShards, parityShards, cipher,
            stripes, wrappedKeys, sealedMetadata.Length);
        if (problem is not null)
        {
            throw new ArgumentException(problem);
        }
        FileId = fileId;
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(createdAt.ToUnixTimeMilliseconds());
        PlaintextSize = plaintextSize;
        PlaintextHash = plaintextHash;
        ChunkSize = chunkSize;
        DataShards = dataShards;
        ParityShards = parityShards;
        Cipher = cipher;
        Stripes = Array.AsReadOnly(stripes.ToArray());
        WrappedKeys = Array.AsReadOnly(wrappedKeys.ToArray());
        _sealedMetadata = sealedMetadata.ToArray();
        Owner = owner;
    }

    public int Version => CurrentVersion;

    public FileId FileId { get; }

    /// <summary>UTC, millisecond precision.</summary>
    public DateTimeOffset CreatedAt { get; }

    public long PlaintextSize { get; }

    /// <summary>BLAKE3-256 of the whole plaintext, checked after reassembly.</summary>
    public ContentHash PlaintextHash { get; }

    public int ChunkSize { get; }

    /// <summary>k: data shards per stripe.</summary>
    public int DataShards { get; }

    /// <summary>m: parity shards per stripe.</summary>
    public int ParityShards { get; }

    public CipherSuite Cipher { get; }

    public IReadOnlyList<ManifestStripe> Stripes { get; }

    /// <summary>The file key wrapped for the owner and every other recipient.</summary>
    public IReadOnlyList<WrappedKey> WrappedKeys { get; }

    /// <summary>Name and tags sealed under the file key (see <see cref="FileMetadata"/>).</summary>
    public ReadOnlySpan<byte> SealedMetadata => _sealedMetadata;

    /// <summary>The identity that signed the manifest.</summary>
    public PublicIdentity Owner { get; }

    public long ChunkCount => ChunkCountFor(PlaintextSize, ChunkSize);

    /// <summary>Chunks of a file of this size: ceil(size / chunkSize), and one for an empty file.</summary>
    public static long ChunkCountFor(long plaintextSize, int chunkSize) =>
        plaintextSize == 0 ? 1 : (plaintextSize - 1) / chunkSize + 1;

    /// <summary>Stripes needed for <paramref name="chunkCount"/> chunks at k = <paramref name="dataShards"/>.</summary>
    public static long StripeCountFor(long chunkCount, int dataShards) => (chunkCount - 1) / dataShards + 1;

    /// <summary>Plaintext length of chunk <paramref name="chunkIndex"/> (the last one may be short).</summary>
    public int GetChunkLength(long chunkIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chunkIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(chunkIndex, ChunkCount);
        return (int)Math.Min(ChunkSize, PlaintextSize - chunkIndex * ChunkSize);
    }

    public bool IsLastChunk(long chunkIndex) => chunkIndex == ChunkCount - 1;

    /// <summary>Recovers the file key with <paramref name="identity"/>.</summary>
    /// <exception cref="WrongKeyException">The file was not shared with this identity.</exception>
    public FileKey UnwrapFileKey(UserIdentity identity) => KeyWrap.Unwrap(WrappedKeys, identity);

    /// <summary>Decrypts the file name and tags.</summary>
    public FileMetadata DecryptMetadata(FileKey fileKey) => FileMetadata.Open(_sealedMetadata, fileKey, FileId);

    /// <summary>Convenience: unwrap with <paramref name="identity"/>, then decrypt name and tags.</summary>
    public FileMetadata DecryptMetadata(UserIdentity identity)
    {
        using var key = UnwrapFileKey(identity);
        return DecryptMetadata(key);
    }

    /// <summary>
    /// Builds a manifest for a file just stored: wraps <paramref name="fileKey"/> for the owner and each extra
    /// recipient (duplicates ignored) and seals <paramref name="metadata"/>.
    /// </summary>
    public static Manifest Create(
        FileId fileId,
        FileKey fileKey,
        FileMetadata metadata,
        PublicIdentity owner,
        IEnumerable<PublicIdentity> extraRecipients,
        long plaintextSize,
        ContentHash plaintextHash,
        int chunkSize,
        int dataShards,
        int parityShards,
        IReadOnlyList<ManifestStripe> stripes,
        DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(extraRecipients);
        var recipients = new List<PublicIdentity> { owner };
        foreach (var recipient in extraRecipients)
        {
            if (!recipients.Contains(recipient))
            {
                recipients.Add(recipient);
            }
        }
        var wrapped = recipients.Select(r => KeyWrap.Wrap(fileKey, r)).ToArray();
        return new Manifest(fileId, createdAt, plaintextSize, plaintextHash, chunkSize, dataShards, parityShards,
            CipherSuite.ChaCha20Poly1305, stripes, wrapped, metadata.Seal(fileKey, fileId), owner);
    }

    /// <summary>Shared by the constructor and the reader: the first rule broken, or null.</summary>
    internal static string? Validate(long createdAtMs, long plaintextSize, int chunkSize, int dataShards, int parityShards,
        CipherSuite cipher, IReadOnlyList<ManifestStripe> stripes, IReadOnlyList<WrappedKey> wrappedKeys, int sealedMetadataLength)
    {
        string? problem = ValidateLayout(createdAtMs, plaintextSize, chunkSize, dataShards, parityShards, cipher, stripes.Count);
        if (problem is not null)
        {
            return problem;
        }
        for (int i = 0; i < stripes.Count; i++)
        {
            if (stripes[i].Shards.Length != dataShards + parityShards)
            {
                return $"stripe {i} has {stripes[i].Shards.Length} shards, expected {dataShards + parityShards}";
            }
        }
        return ValidateRecipients(wrappedKeys) ?? ValidateSealedMetadataLength(sealedMetadataLength);
    }

    internal static string? ValidateLayout(long createdAtMs, long plaintextSize, int chunkSize, int dataShards, int parityShards,
        CipherSuite cipher, long stripeCount)
    {
        if (createdAtMs < 0 || createdAtMs > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return $"creation time {createdAtMs} ms is outside the representable range";
        }
        if (chunkSize < ManifestLimits.MinChunkSize || chunkSize > ManifestLimits.MaxChunkSize)
        {
            return $"chunk size {chunkSize} is outside {ManifestLimits.MinChunkSize}..{ManifestLimits.MaxChunkSize}";
        }
        if (dataShards < 1 || dataShards > ManifestLimits.MaxDataShards || parityShards < 0 || parityShards > ManifestLimits.MaxParityShards
            || dataShards + parityShards > ManifestLimits.MaxShardsPerStripe)
        {
            return $"{dataShards}+{parityShards} shards per stripe is outside the limits (k 1..{ManifestLimits.MaxDataShards}, " +
                   $"m 0..{ManifestLimits.MaxParityShards}, k+m ≤ {ManifestLimits.MaxShardsPerStripe})";
        }
        if (cipher != CipherSuite.ChaCha20Poly1305)
        {
            return $"cipher suite {(int)cipher} is unknown";
        }
        long maxSize = (long)ManifestLimits.MaxStripes * dataShards * chunkSize;
        if (plaintextSize < 0 || plaintextSize > maxSize)
        {
            return $"plaintext size {plaintextSize} is outside 0..{maxSize}";
        }
        long expectedStripes = StripeCountFor(ChunkCountFor(plaintextSize, chunkSize), dataShards);
        if (stripeCount != expectedStripes)
        {
            return $"{stripeCount} stripes listed, but {plaintextSize} bytes in {chunkSize}-byte chunks at k={dataShards} need {expectedStripes}";
        }
        return null;
    }

    internal static string? ValidateRecipients(IReadOnlyList<WrappedKey> wrappedKeys)
    {
        if (wrappedKeys.Count < 1 || wrappedKeys.Count > ManifestLimits.MaxRecipients)
        {
            return $"{wrappedKeys.Count} wrapped keys, allowed 1..{ManifestLimits.MaxRecipients}";
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in wrappedKeys)
        {
            if (!seen.Add(Convert.ToHexString(key.RecipientId)))
            {
                return $"identity {key.RecipientFingerprint} has more than one wrapped key";
            }
        }
        return null;
    }

    internal static string? ValidateSealedMetadataLength(int length) =>
        length < ChunkCipher.TagLength || length > ManifestLimits.MaxSealedMetadataLength
            ? $"sealed metadata is {length} bytes, allowed {ChunkCipher.TagLength}..{ManifestLimits.MaxSealedMetadataLength}"
            : null;

    public override string ToString() =>
        $"Manifest(file {FileId}, {PlaintextSize} bytes, {Stripes.Count} stripes of {DataShards}+{ParityShards}, owner {Owner.Fingerprint})";
}
