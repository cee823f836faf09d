using System.Collections.Immutable;
using DataMesh.Storage.Addressing;

namespace DataMesh.Storage.Manifests;

/// <summary>
/// One erasure-coded stripe: the addresses of its k data shards followed by its m parity shards, all
/// <see cref="ShardLength"/> bytes long.
/// </summary>
public sealed record ManifestStripe
{
    public ManifestStripe(int shardLength, ImmutableArray<ContentHash> shards)
    {
        if (shardLength < 1 || shardLength > ManifestLimits.MaxShardLength)
        {
            throw new ArgumentOutOfRangeException(nameof(shardLength), shardLength, $"A shard is 1..{ManifestLimits.MaxShardLength} bytes.");
        }
        if (shards.IsDefaultOrEmpty || shards.Length > ManifestLimits.MaxShardsPerStripe)
        {
            throw new ArgumentException($"A stripe has 1..{ManifestLimits.MaxShardsPerStripe} shards.", nameof(shards));
        }
        ShardLength = shardLength;
        Shards = shards;
    }

    public int ShardLength { get; }

    /// <summary>Data shards first (index 0..k-1), then parity shards (k..k+m-1).</summary>
    public ImmutableArray<ContentHash> Shards { get; }

    public bool Equals(ManifestStripe? other) =>
        other is not null && ShardLength == other.ShardLength && Shards.AsSpan().SequenceEqual(other.Shards.AsSpan());

    public override int GetHashCode() => HashCode.Combine(ShardLength, Shards.Length, Shards.Length > 0 ? Shards[0] : default);
}
