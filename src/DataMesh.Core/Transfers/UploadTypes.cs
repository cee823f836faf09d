using System.Buffers;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;

namespace DataMesh.Core.Transfers;

/// <summary>
/// One shard to upload. <paramref name="Data"/> must stay valid until the manager is done with the shard; when
/// <paramref name="Owner"/> is given the manager disposes it at that point (stored, failed or cancelled), so a
/// producer can hand over pooled buffers.
/// </summary>
internal sealed record ShardToUpload(ContentHash Shard, ReadOnlyMemory<byte> Data, IMemoryOwner<byte>? Owner = null)
{
    /// <summary>The stripe this shard belongs to (one instance shared by its shards), so the stripe's shards land on
    /// distinct peers; null places the shard on its own, XOR-closest first.</summary>
    public StripePlacement? Placement { get; init; }

    /// <summary>The stripe's number in the file, for the per-stripe verbose summary; null when not part of a stripe.</summary>
    public long? Stripe { get; init; }

    /// <summary>A parity shard: redundancy, not file content. Progress counts file bytes, so it leaves these out (a
    /// 48 MiB file with 4+2 shards showed "of 72 MiB"); <see cref="TransferTotals.Bytes"/> then counts data shards only.</summary>
    public bool IsParity { get; init; }

    /// <summary>What this shard adds to the progress's BytesDone.</summary>
    internal long ProgressBytes => IsParity ? 0 : Data.Length;

    /// <summary>Distinct peers that must acknowledge this shard; null: the manager's replication factor. A stripe
    /// whose shards coincide (parity of a lone data shard is a copy of it, one address) stores the one object once per
    /// slot it fills, so the stripe keeps a node per slot.</summary>
    public int? Copies
    {
        get;
        init => field = value is null or >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Copies), value, "At least one copy.");
    }
}

/// <summary>A shard confirmed by at least the replication factor of peers, and which peers hold it.</summary>
internal sealed record StoredShard(ContentHash Shard, IReadOnlyList<PeerId> Holders)
{
    /// <summary>The shard's size in bytes (each holder stores it once).</summary>
    public long Length { get; init; }
}

/// <summary>Expected size of a transfer, for progress reporting when the shards arrive as a stream. <paramref name="Bytes"/>
/// counts the shards that are not <see cref="ShardToUpload.IsParity"/> (the file's bytes as stored).</summary>
internal readonly record struct TransferTotals(int Shards, long Bytes);

/// <summary>Outcome of an upload: every shard with its holders, in the order the shards were supplied.</summary>
/// <param name="SkippedFromJournal">Shards a previous run had already stored (taken from the journal).</param>
internal sealed record UploadResult(IReadOnlyList<StoredShard> Shards, int SkippedFromJournal, TransferStatistics Statistics);
