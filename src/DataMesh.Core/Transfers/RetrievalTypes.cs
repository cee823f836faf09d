using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Transfers;

/// <summary>
/// One erasure-coded stripe to retrieve: <see cref="Shards"/> holds the k data shard addresses followed by the
/// parity ones, all <see cref="ShardLength"/> bytes long. <see cref="HolderHints"/> (optional, one list per shard)
/// are peers believed to hold each shard, tried alongside the ones the network finds. A stripe at the end of a file
/// may have fewer stored data shards than k (<see cref="StoredDataShardCount"/>): the slots after them are known
/// zeros that were never stored, so they are present from the start and never requested.
/// </summary>
internal sealed record StripeDescriptor(int Index, int DataShardCount, IReadOnlyList<ContentHash> Shards, int ShardLength,
    IReadOnlyList<IReadOnlyList<PeerId>>? HolderHints = null, int? StoredDataShardCount = null)
{
    /// <summary>Data slots that hold stored shards; the rest of the first <see cref="DataShardCount"/> are zeros.</summary>
    public int StoredDataShards => StoredDataShardCount ?? DataShardCount;

    /// <summary>Largest shard the manager will buffer; bounds memory against a hostile manifest.</summary>
    public const int MaxShardLength = 64 * 1024 * 1024;

    /// <summary>The stripes of a manifest, indexed in file order (its k is the manifest's data shard count).</summary>
    public static IReadOnlyList<StripeDescriptor> FromManifest(Manifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var stripes = new StripeDescriptor[manifest.Stripes.Count];
        for (int i = 0; i < stripes.Length; i++)
        {
            var stripe = manifest.Stripes[i];
            // Chunks fill data slots in order; a short last stripe has zero padding slots that were never stored.
            long chunksBefore = (long)i * manifest.DataShards;
            int stored = (int)Math.Clamp(manifest.ChunkCount - chunksBefore, 0, manifest.DataShards);
            stripes[i] = new StripeDescriptor(i, manifest.DataShards, stripe.Shards, stripe.ShardLength, StoredDataShardCount: stored);
        }
        return stripes;
    }

    internal void Validate()
    {
        if (Index < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Index), Index, "A stripe index must not be negative.");
        }
        if (Shards is null || DataShardCount < 1 || DataShardCount > Shards.Count)
        {
            throw new ArgumentException($"Stripe {Index}: needs 1..{Shards?.Count ?? 0} data shards, has {DataShardCount}.", nameof(DataShardCount));
        }
        if (ShardLength is < 1 or > MaxShardLength)
        {
            throw new ArgumentOutOfRangeException(nameof(ShardLength), ShardLength, $"Stripe {Index}: shard length must be 1..{MaxShardLength}.");
        }
        if (StoredDataShards < 0 || StoredDataShards > DataShardCount)
        {
            throw new ArgumentOutOfRangeException(nameof(StoredDataShardCount), StoredDataShardCount, $"Stripe {Index}: stored data shards must be 0..{DataShardCount}.");
        }
        if (HolderHints is not null && HolderHints.Count != Shards.Count)
        {
            throw new ArgumentException($"Stripe {Index}: {HolderHints.Count} holder hint lists for {Shards.Count} shards.", nameof(HolderHints));
        }
    }
}

/// <summary>
/// A stripe with at least k verified shards, lent to a <see cref="StripeHandler"/> for the duration of the call
/// only: the buffers go back to a pool afterwards. <see cref="Shards"/> has one buffer of <c>ShardLength</c>
/// bytes per shard; those not <see cref="Present"/> are scratch space for reconstruction (the shape
/// <c>ReedSolomon.Reconstruct(shards, present)</c> takes).
/// </summary>
internal sealed class RetrievedStripe
{
    private readonly Memory<byte>[] _shards;
    private readonly bool[] _present;

    internal RetrievedStripe(StripeDescriptor descriptor, Memory<byte>[] shards, bool[] present)
    {
        Descriptor = descriptor;
        _shards = shards;
        _present = present;
    }

    public StripeDescriptor Descriptor { get; }
    public int Index => Descriptor.Index;
    public ReadOnlySpan<Memory<byte>> Shards => _shards;
    public ReadOnlySpan<bool> Present => _present;
}

/// <summary>Receives each retrieved stripe, in stripe order; reconstructs, decrypts and writes it (e.g. the FileDecoder).</summary>
internal delegate ValueTask StripeHandler(RetrievedStripe stripe, CancellationToken cancellationToken);

/// <summary>Outcome of a retrieval.</summary>
/// <param name="StripesSkipped">Stripes a previous run had already delivered (taken from the journal).</param>
internal sealed record RetrievalResult(int StripesDelivered, int StripesSkipped, TransferStatistics Statistics);
