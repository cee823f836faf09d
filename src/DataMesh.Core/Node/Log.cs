using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Multiformats;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Node;

internal static partial class Log
{
    [LoggerMessage(EventId = 3400, Level = LogLevel.Information, Message = "Node {PeerId} started on {Addresses} (storage {StorageEnabled})")]
    public static partial void Started(ILogger logger, PeerId peerId, string addresses, bool storageEnabled);

    [LoggerMessage(EventId = 3401, Level = LogLevel.Information, Message = "Node {PeerId} stopped")]
    public static partial void Stopped(ILogger logger, PeerId peerId);

    // Information, not Warning: ConnectAsync returns the failure, and its caller decides how loudly to report it.
    [LoggerMessage(EventId = 3402, Level = LogLevel.Information, Message = "Could not connect to {Address}: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, Multiaddr address, string reason);

    [LoggerMessage(EventId = 3403, Level = LogLevel.Information, Message = "Sent {Name} ({Size} bytes) as {FileKey} in {Duration}")]
    public static partial void Sent(ILogger logger, string name, long size, string fileKey, TimeSpan duration);

    [LoggerMessage(EventId = 3404, Level = LogLevel.Information, Message = "Received {FileKey} into {Path} ({Size} bytes) in {Duration}")]
    public static partial void Received(ILogger logger, string fileKey, string path, long size, TimeSpan duration);

    [LoggerMessage(EventId = 3405, Level = LogLevel.Warning, Message = "Transfer journal {Path} cannot be used ({Reason}); an interruption will not be resumable")]
    public static partial void JournalUnavailable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 3406, Level = LogLevel.Information, Message = "Resuming {What} from {Path}: {Done} already done")]
    public static partial void Resuming(ILogger logger, string what, string path, int done);

    [LoggerMessage(EventId = 3407, Level = LogLevel.Warning, Message = "Transfer journal {Path} discarded: {Reason}; starting from scratch")]
    public static partial void JournalDiscarded(ILogger logger, string path, string reason);
}
