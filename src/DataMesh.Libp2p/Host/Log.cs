using DataMesh.Libp2p.Multiformats;
using Microsoft.Extensions.Logging;
using PeerId = DataMesh.Libp2p.Identity.PeerId;

namespace DataMesh.Libp2p.Host;

internal static partial class Log
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Listening on {Address} as {PeerId}")]
    public static partial void Listening(ILogger logger, Multiaddr address, PeerId peerId);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Connection {Direction} with {PeerId} at {Address} opened")]
    public static partial void ConnectionOpened(ILogger logger, PeerId peerId, ConnectionDirection direction, Multiaddr address);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "Connection {Direction} with {PeerId} closed")]
    public static partial void ConnectionClosed(ILogger logger, PeerId peerId, ConnectionDirection direction);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Connection with {PeerId} ended: {Reason}")]
    public static partial void ConnectionEnded(ILogger logger, PeerId peerId, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Debug, Message = "Inbound stream from {PeerId} ({Protocol}) failed: {Reason}")]
    public static partial void InboundStreamFailed(ILogger logger, PeerId peerId, string protocol, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Accepting on {Address} failed: {Reason}")]
    public static partial void AcceptFailed(ILogger logger, Multiaddr address, string reason);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Debug, Message = "Inbound connection from {Address} refused: the {Scope} limit of pending handshakes is reached")]
    public static partial void InboundRefused(ILogger logger, Multiaddr address, ResourceScopeKind scope);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Debug, Message = "Inbound handshake from {Address} failed: {Reason}")]
    public static partial void InboundHandshakeFailed(ILogger logger, Multiaddr address, string reason);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Debug, Message = "Identified {PeerId}: agent {AgentVersion}, {ProtocolCount} protocols")]
    public static partial void Identified(ILogger logger, PeerId peerId, string agentVersion, int protocolCount);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Debug, Message = "Identify with {PeerId} failed: {Reason}")]
    public static partial void IdentifyFailed(ILogger logger, PeerId peerId, string reason);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Debug, Message = "Connection manager: closing {Count} idle connections of {Open}")]
    public static partial void TrimmingConnections(ILogger logger, int count, int open);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Debug, Message = "Inbound stream from {PeerId} refused: the {Scope} limit of inbound streams is reached")]
    public static partial void InboundStreamRefused(ILogger logger, PeerId peerId, ResourceScopeKind scope);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Debug, Message = "Connection with {PeerId} refused: the {Scope} connection limit is reached")]
    public static partial void ConnectionRefused(ILogger logger, PeerId peerId, ResourceScopeKind scope);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Debug, Message = "Reset {Count} streams idle for {IdleSeconds} s")]
    public static partial void IdleStreamsReset(ILogger logger, int count, double idleSeconds);
}
