namespace DataMesh.Storage.ChunkStore;

/// <summary>Where a chunk store lives and how much it may hold.</summary>
/// <param name="Directory">Root directory of the store; created when missing.</param>
public sealed record ChunkStoreOptions(string Directory)
{
    /// <summary>Largest shard accepted by default: a 4 MiB chunk plus room for the cipher's tag and framing.</summary>
    public const int DefaultMaxShardBytes = (4 * 1024 * 1024) + (4 * 1024);

    /// <summary>Total bytes of shard content the store may hold (<c>max_storage_bytes</c>). Counted as the sum of
    /// shard lengths, not disk blocks.</summary>
    public long MaxStorageBytes { get; init; } = long.MaxValue;

    /// <summary>Largest single shard accepted; checked before any body is read or buffered.</summary>
    public int MaxShardBytes { get; init; } = DefaultMaxShardBytes;

    /// <summary>Call fsync on every shard before it becomes visible. Turning this off trades crash durability
    /// (not integrity: a torn shard is still never served) for write speed.</summary>
    public bool FlushToDisk { get; init; } = true;

    /// <summary>With <see cref="FlushToDisk"/>: concurrent puts share their durability barriers (one file-system
    /// sync, <c>syncfs</c>, for every put that finished writing while the previous one ran) instead of each paying an
    /// fsync of its file and of its folder. Same contract either way: a put returns only once its shard is durable.
    /// A file-system sync also writes back other programs' dirty data on the same volume, so on a volume shared with
    /// heavy writers per-shard syncs (false) may be steadier. Linux only; elsewhere every put syncs its own files.</summary>
    public bool GroupCommit { get; init; } = true;

    /// <summary>Runs just before each shared durability barrier (tests observe the order of writes, renames and
    /// barriers through it, or make a barrier fail by throwing).</summary>
    internal Action? BeforeBarrier { get; init; }

    /// <summary>Unpinned shards younger than this survive garbage collection, so a shard written just before its
    /// pin is recorded (the normal put-then-pin order of an upload) is not collected in between.</summary>
    public TimeSpan GarbageGracePeriod { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Clock for the grace period; tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
