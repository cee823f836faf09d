using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Transfers;

internal static partial class Log
{
    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Peer {Peer} returned corrupt data for shard {Shard} ({Detail}); banned")]
    public static partial void CorruptShard(ILogger logger, PeerId peer, ContentHash shard, string detail);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Debug, Message = "Fetching shard {Shard} from {Peer} failed: {Error}")]
    public static partial void FetchAttemptFailed(ILogger logger, ContentHash shard, PeerId peer, string error);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Debug, Message = "Storing shard {Shard} on {Peer} failed: {Error}")]
    public static partial void StoreAttemptFailed(ILogger logger, ContentHash shard, PeerId peer, string error);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Information, Message = "Retrying shard {Shard} (retry {Attempt}) after {Delay} ms: {Error}")]
    public static partial void RetryingShard(ILogger logger, ContentHash shard, int attempt, double delay, string error);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Warning, Message = "Shard {Shard} could not be stored: {Error}")]
    public static partial void ShardUploadFailed(ILogger logger, ContentHash shard, string error);

    [LoggerMessage(EventId = 3206, Level = LogLevel.Warning, Message = "Transfer journal {Path}: {Problem}; resuming from the last intact record")]
    public static partial void JournalDamaged(ILogger logger, string path, string problem);

    [LoggerMessage(EventId = 3207, Level = LogLevel.Warning, Message = "Transfer journal {Path} could not be written; continuing without it")]
    public static partial void JournalWriteFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 3208, Level = LogLevel.Warning, Message = "Transfer journal {Path} reached its size limit of {Limit} bytes; further progress is not recorded")]
    public static partial void JournalFull(ILogger logger, string path, long limit);

    [LoggerMessage(EventId = 3210, Level = LogLevel.Information, Message = "Stripe {Stripe}: {Shards} shard(s) stored, {Copies} copies on {PeerCount} peer(s): {Peers}")]
    public static partial void StripeStored(ILogger logger, long stripe, int shards, int copies, int peerCount, string peers);

    [LoggerMessage(EventId = 3211, Level = LogLevel.Information, Message = "Stripe {Stripe}: {Shards} shard(s) ({Parity} parity) from {Peers}; {Hedges} hedge(s) fired, {Retries} retry(ies), {Failed} shard request(s) failed")]
    public static partial void StripeRetrieved(ILogger logger, int stripe, int shards, int parity, string peers, int hedges, int retries, int failed);

    [LoggerMessage(EventId = 3209, Level = LogLevel.Warning, Message = "Transfer journal {Path} belongs to another transfer (or is not a journal); discarded, starting from scratch")]
    public static partial void JournalDiscarded(ILogger logger, string path);

    [LoggerMessage(EventId = 3212, Level = LogLevel.Debug, Message = "Peer {Peer} did not say which shards it holds: {Reason}")]
    public static partial void SurveyPeerFailed(ILogger logger, PeerId peer, string reason);
}
