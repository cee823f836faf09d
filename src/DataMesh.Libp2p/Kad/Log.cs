using DataMesh.Libp2p.Identity;
using Microsoft.Extensions.Logging;

namespace DataMesh.Libp2p.Kad;

internal static partial class Log
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Kademlia DHT of {Peer} started in {Mode} mode on {Protocol}")]
    public static partial void Started(ILogger logger, PeerId peer, KadMode mode, string protocol);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Routing table: added {Peer} ({Count} peers)")]
    public static partial void PeerAdded(ILogger logger, PeerId peer, int count);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "Routing table: {Stale} failed its liveness check ({Reason}); {Newcomer} replaces it")]
    public static partial void PeerReplaced(ILogger logger, PeerId stale, PeerId newcomer, string reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "Could not learn whether {Peer} is a DHT server: {Reason}")]
    public static partial void IdentifyUnusable(ILogger logger, PeerId peer, string reason);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Throttled {Peer}: too many Kademlia requests in flight; stream reset")]
    public static partial void InboundThrottled(ILogger logger, PeerId peer);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Debug, Message = "Inbound Kademlia stream from {Peer} ended: {Reason}")]
    public static partial void InboundFailed(ILogger logger, PeerId peer, string reason);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Debug, Message = "{Type} to {Peer} failed: {Reason}")]
    public static partial void QueryFailed(ILogger logger, PeerId peer, KadMessageType type, string reason);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Debug, Message = "Discarded an invalid record from {Peer}: {Reason}")]
    public static partial void InvalidRecordReceived(ILogger logger, PeerId peer, string reason);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Warning, Message = "Kademlia maintenance round failed: {Reason}")]
    public static partial void MaintenanceFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Debug, Message = "Expired {Count} records and provider entries")]
    public static partial void Expired(ILogger logger, int count);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Debug, Message = "Republished {Key} to {Count} peers")]
    public static partial void Republished(ILogger logger, string key, int count);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Debug, Message = "Re-announced a provided key to {Count} peers")]
    public static partial void Reprovided(ILogger logger, int count);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Information, Message = "Routing table was empty: rejoined through {Bootstrap} bootstrap peers ({Count} peers now)")]
    public static partial void Rejoined(ILogger logger, int bootstrap, int count);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Warning, Message = "Routing table is empty and none of {Bootstrap} bootstrap peers answered; retrying with backoff: {Reason}")]
    public static partial void RejoinFailed(ILogger logger, int bootstrap, string reason);
}
