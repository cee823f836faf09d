using DataMesh.Storage.Addressing;

namespace DataMesh.Storage.ChunkStore;

/// <summary>What the store knows about one shard without reading it.</summary>
/// <param name="Hash">The shard's address.</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="CreatedUtc">When this copy was written (shards are immutable, so this is their last write time).</param>
public readonly record struct ShardInfo(ContentHash Hash, long Size, DateTimeOffset CreatedUtc);

/// <summary>Outcome of <see cref="ChunkStore.CollectGarbageAsync"/>.</summary>
/// <param name="ShardsDeleted">Unpinned shards removed.</param>
/// <param name="BytesFreed">Their total size.</param>
/// <param name="ShardsKept">Shards left: pinned, or unpinned but younger than the grace period.</param>
public readonly record struct GarbageCollectionResult(int ShardsDeleted, long BytesFreed, int ShardsKept);
