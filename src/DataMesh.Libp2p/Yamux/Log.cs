using Microsoft.Extensions.Logging;

namespace DataMesh.Libp2p.Yamux;

internal static partial class Log
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Debug, Message = "Yamux session ({Role}) ended: {Reason}")]
    public static partial void SessionEnded(ILogger logger, string role, string reason);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Yamux protocol violation by the remote peer: {Detail}")]
    public static partial void ProtocolViolation(ILogger logger, string detail);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Debug, Message = "Rejected inbound yamux stream {StreamId} with RST: {Why}")]
    public static partial void InboundStreamRejected(ILogger logger, uint streamId, string why);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Debug, Message = "Yamux stream {StreamId} reset: the remote FIN did not arrive within the close timeout")]
    public static partial void StreamCloseTimedOut(ILogger logger, uint streamId);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "Yamux keep-alive ping not answered within {Timeout}; closing the session")]
    public static partial void KeepAliveTimedOut(ILogger logger, TimeSpan timeout);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Debug, Message = "Remote peer sent yamux GoAway with code {Code}")]
    public static partial void RemoteGoAway(ILogger logger, YamuxGoAwayCode code);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Debug, Message = "Yamux stream opened with the usual window instead of {Requested} bytes: the session's window budget is spent ({Used} bytes in use)")]
    public static partial void WindowGrantDeclined(ILogger logger, int requested, long used);
}
