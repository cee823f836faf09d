using System.Net.Sockets;
using DataMesh.Libp2p.Multiformats;
using Microsoft.Extensions.Logging;

namespace DataMesh.Libp2p.Transports;

internal static partial class Log
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Debug, Message = "Listening on {Address}")]
    public static partial void Listening(ILogger logger, Multiaddr address);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Dialed {Address} from {LocalAddress}")]
    public static partial void Dialed(ILogger logger, Multiaddr address, Multiaddr localAddress);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "Dialing {Address} failed: {Error}")]
    public static partial void DialFailed(ILogger logger, Multiaddr address, SocketError error);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Debug, Message = "Dialing {Address} timed out after {Timeout}")]
    public static partial void DialTimedOut(ILogger logger, Multiaddr address, TimeSpan timeout);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Debug, Message = "Accepted a connection from {RemoteAddress} on {Address}")]
    public static partial void Accepted(ILogger logger, Multiaddr remoteAddress, Multiaddr address);
}
