using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Exchange;

internal static partial class Log
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Debug, Message = "Bad chunk request from {PeerId}: {Reason}")]
    public static partial void BadRequest(ILogger logger, PeerId peerId, string reason);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Storing shard {Hash} for a peer failed: {Reason}")]
    public static partial void StoreFailed(ILogger logger, ContentHash hash, string reason);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Shard {Hash} was corrupt on disk and has been removed: {Reason}")]
    public static partial void CorruptShard(ILogger logger, ContentHash hash, string reason);

    [LoggerMessage(EventId = 3110, Level = LogLevel.Information, Message = "Deleted {Count} shard(s) of manifest {Manifest} at the owner's request (via {PeerId})")]
    public static partial void Deleted(ILogger logger, ContentHash manifest, int count, PeerId peerId);

    [LoggerMessage(EventId = 3111, Level = LogLevel.Warning, Message = "Refused to delete manifest {Manifest} for {PeerId}: {Reason}")]
    public static partial void DeleteRefused(ILogger logger, PeerId peerId, ContentHash manifest, string reason);

    [LoggerMessage(EventId = 3112, Level = LogLevel.Warning, Message = "Could not pin the shards of stored manifest {Manifest}: {Reason}")]
    public static partial void PinFailed(ILogger logger, ContentHash manifest, string reason);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Debug, Message = "Provider lookup for shard {Hash} failed: {Reason}")]
    public static partial void ProviderLookupFailed(ILogger logger, ContentHash hash, string reason);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Debug, Message = "Storage peer candidate {PeerId} could not be checked: {Reason}")]
    public static partial void CandidateUnusable(ILogger logger, PeerId peerId, string reason);

    [LoggerMessage(EventId = 3113, Level = LogLevel.Warning, Message = "The claims of shard {Hash} are damaged: {Reason}; the shard is kept")]
    public static partial void ClaimsDamaged(ILogger logger, ContentHash hash, string reason);

    [LoggerMessage(EventId = 3114, Level = LogLevel.Warning, Message = "Kept shard {Hash} of manifest {Manifest}: {Reason}")]
    public static partial void ClaimsUnavailable(ILogger logger, ContentHash hash, ContentHash manifest, string reason);
}
