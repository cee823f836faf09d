using DataMesh.Libp2p.Identity;
using Microsoft.Extensions.Logging;

namespace DataMesh.Libp2p.Kad;

internal static partial class Log
{
    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Kademlia DHT of {Peer} started in {Mode} mode on {Protocol}")]
    public static partial void Started(ILogger logger, PeerId peer, KadMode mode, string protocol);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Debug, Message = "Routing table: added {Peer} ({Count} peers)")]
    public static partial void PeerAdded(ILogger logger, PeerId peer, int count);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Debug, Message = "Routing table: {Stale} failed its liveness check ({Reason}); {Newcomer} replaces it")]
    public static partial void PeerReplaced(ILogger logger, PeerId stale, PeerId newcomer, string reason);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Debug, Message = "Could not learn whether {Peer} is a DHT server: {Reason}")]
    public static partial void IdentifyUnusable(ILogger logger, PeerId peer, string reason);

    [LoggerMessage(EventId = 1304, Level = LogLevel.Warning, Message = "Throttled {Peer}: too many Kademlia requests in flight; stream reset")]
    public static partial void InboundThrottled(ILogger logger, PeerId peer);

    [LoggerMessage(EventId = 1305, Level = LogLevel.Debug, Message = "Inbound Kademlia stream from {Peer} ended: {Reason}")]
    public static partial void InboundFailed(ILogger logger, PeerId peer, string reason);

    [LoggerMessage(EventId = 1306, Level = LogLevel.Debug, Message = "{Type} to {Peer} failed: {Reason}")]
    public static partial void QueryFailed(ILogger logger, PeerId peer, KadMessageType type, string reason);

    [LoggerMessage(EventId = 1307, Level = LogLevel.Debug, Message = "Discarded an invalid record from {Peer}: {Reason}")]
    public static partial void InvalidRecordReceived(ILogger logger, PeerId peer, string reason);

    [LoggerMessage(EventId = 1308, Level = LogLevel.Warning, Message = "Kademlia maintenance round failed: {Reason}")]
    public static partial void MaintenanceFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1309, Level = LogLevel.Debug, Message = "Expired {Count} records and provider entries")]
    public static partial void Expired(ILogger logger, int count);

    [LoggerMessage(EventId = 1310, Level = LogLevel.Debug, Message = "Republished {Key} to {Count} peers")]
    public static partial void Republished(ILogger logger, string key, int count);

    [LoggerMessage(EventId = 1311, Level = LogLevel.Debug, Message = "Re-announced a provided key to {Count} peers")]
    public static partial void Reprovided(ILogger logger, int count);

    [LoggerMessage(EventId = 1312, Level = LogLevel.Information, Message = "Routing table was empty: rejoined through {Bootstrap} bootstrap peers ({Count} peers now)")]
    public static partial void Rejoined(ILogger logger, int bootstrap, int count);

    [LoggerMessage(EventId = 1313, Level = LogLevel.Warning, Message = "Routing table is empty and none of {Bootstrap} bootstrap peers answered; retrying with backoff: {Reason}")]
    public static partial void RejoinFailed(ILogger logger, int bootstrap, string reason);
}
