using Microsoft.Extensions.Logging;

namespace DataMesh.Storage.ChunkStore;

internal static partial class Log
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Chunk store opened at {Root}: {ShardCount} shards, {UsedBytes} of {LimitBytes} bytes; {TempFiles} unfinished writes discarded")]
    public static partial void Opened(ILogger logger, string root, long shardCount, long usedBytes, long limitBytes, int tempFiles);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Shard {Hash} failed verification on read ({Reason}); removed from the store")]
    public static partial void CorruptShardRemoved(ILogger logger, string hash, string reason);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Chunk store at {Root} refused a write of {NeededBytes} bytes: {UsedBytes} of {LimitBytes} used")]
    public static partial void StoreFull(ILogger logger, string root, long neededBytes, long usedBytes, long limitBytes);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "Pin file {Path} is unreadable; garbage collection is disabled until it is fixed or removed")]
    public static partial void PinFileUnreadable(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "Garbage collection freed {BytesFreed} bytes in {ShardsDeleted} shards; {ShardsKept} kept")]
    public static partial void GarbageCollected(ILogger logger, long bytesFreed, int shardsDeleted, int shardsKept);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Ignoring unexpected file {Path} in the shard folders")]
    public static partial void StrayFile(ILogger logger, string path);
}
