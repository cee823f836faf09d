using DataMesh.Storage.Addressing;

namespace DataMesh.Storage.ChunkStore;

/// <summary>A stored shard no longer hashes to its address (bit rot, tampering, a torn write from outside the store).
/// The store has already removed the bad copy; fetch the shard again from a peer.</summary>
public sealed class CorruptShardException : StorageException
{
    public CorruptShardException(ContentHash expected, ContentHash actual)
        : base($"Shard {expected} is corrupt on disk (its content hashes to {actual}); the bad copy was removed.")
    {
        Expected = expected;
        Actual = actual;
    }

    public CorruptShardException(ContentHash expected, string reason)
        : base($"Shard {expected} is corrupt on disk ({reason}); the bad copy was removed.")
    {
        Expected = expected;
    }

    /// <summary>The address the shard was stored under.</summary>
    public ContentHash Expected { get; }

    /// <summary>What the bytes on disk actually hash to, when they could be read.</summary>
    public ContentHash? Actual { get; }
}

/// <summary>A write would take the store past its configured capacity, or the disk itself is full.</summary>
public sealed class StoreFullException : StorageException
{
    public StoreFullException(long usedBytes, long limitBytes, long neededBytes)
        : base($"Chunk store is full: {usedBytes} of {limitBytes} bytes used, {neededBytes} more needed.")
    {
        UsedBytes = usedBytes;
        LimitBytes = limitBytes;
        NeededBytes = neededBytes;
    }

    public StoreFullException(long usedBytes, long limitBytes, long neededBytes, IOException diskFull)
        : base($"The disk under the chunk store is full ({usedBytes} of {limitBytes} bytes used by the store, {neededBytes} more needed).", diskFull)
    {
        UsedBytes = usedBytes;
        LimitBytes = limitBytes;
        NeededBytes = neededBytes;
    }

    public long UsedBytes { get; }
    public long LimitBytes { get; }
    public long NeededBytes { get; }
}

/// <summary>A shard offered under an address does not hash to that address (a peer sent the wrong or damaged bytes).</summary>
public sealed class ShardHashMismatchException : StorageException
{
    public ShardHashMismatchException(ContentHash expected, ContentHash actual)
        : base($"Shard offered as {expected} hashes to {actual}; refused.")
    {
        Expected = expected;
        Actual = actual;
    }

    public ContentHash Expected { get; }
    public ContentHash Actual { get; }
}

/// <summary>A shard is larger than the store accepts.</summary>
public sealed class ShardTooLargeException : StorageException
{
    public ShardTooLargeException(long size, int limit)
        : base($"Shard of {size} bytes exceeds the limit of {limit} bytes.")
    {
        Size = size;
        Limit = limit;
    }

    public long Size { get; }
    public int Limit { get; }
}

/// <summary>A shard that was asked for by address is not in the store.</summary>
internal sealed class ShardNotFoundException : StorageException
{
    public ShardNotFoundException(ContentHash hash)
        : base($"Shard {hash} is not in the chunk store.")
    {
        Hash = hash;
    }

    public ContentHash Hash { get; }
}
