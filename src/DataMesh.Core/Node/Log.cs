using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Multiformats;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Node;

internal static partial class Log
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Node {PeerId} started on {Addresses} (storage {StorageEnabled})")]
    public static partial void Started(ILogger logger, PeerId peerId, string addresses, bool storageEnabled);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Node {PeerId} stopped")]
    public static partial void Stopped(ILogger logger, PeerId peerId);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Could not connect to {Address}: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, Multiaddr address, string reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Sent {Name} ({Size} bytes) as {FileKey} in {Duration}")]
    public static partial void Sent(ILogger logger, string name, long size, string fileKey, TimeSpan duration);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Received {FileKey} into {Path} ({Size} bytes) in {Duration}")]
    public static partial void Received(ILogger logger, string fileKey, string path, long size, TimeSpan duration);
}
