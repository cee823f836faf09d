namespace DataMesh.Storage.Manifests;

/// <summary>
/// Bounds every manifest must respect. The reader checks each count against these, and against the bytes
/// actually remaining, before allocating anything for it.
/// </summary>
public static class ManifestLimits
{
    /// <summary>Largest encoded manifest accepted (64 MiB: about 170 000 stripes of 8+4 shards, over 1 TiB at 1 MiB chunks).</summary>
    public const int MaxEncodedLength = 64 * 1024 * 1024;

    public const int MinChunkSize = 1024;

    public const int MaxChunkSize = Crypto.ChunkCipher.MaxChunkLength;

    public const int MaxDataShards = 128;

    public const int MaxParityShards = 128;

    /// <summary>Reed-Solomon over GF(2^8) supports at most 256 shards per stripe.</summary>
    public const int MaxShardsPerStripe = 256;

    public const int MaxStripes = 1 << 20;

    /// <summary>A shard is one sealed chunk plus any framing the erasure layer adds.</summary>
    public const int MaxShardLength = MaxChunkSize + 4096;

    public const int MaxRecipients = 1024;

    public const int MaxFileNameBytes = 4096;

    public const int MaxTags = 256;

    public const int MaxTagBytes = 256;

    /// <summary>Largest sealed name-and-tags blob.</summary>
    public const int MaxSealedMetadataLength = 128 * 1024;
}
