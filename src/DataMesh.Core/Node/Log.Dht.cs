using DataMesh.Libp2p.Kad;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Node;

internal static partial class Log
{
    [LoggerMessage(EventId = 3410, Level = LogLevel.Information, Message = "DHT {Mode} started with protocol {Protocol}; routing table holds {Peers} peers after bootstrap")]
    public static partial void Bootstrapped(ILogger logger, KadMode mode, string protocol, int peers);

    [LoggerMessage(EventId = 3411, Level = LogLevel.Information, Message = "The DHT lookup after bootstrap failed: {Reason}")]
    public static partial void BootstrapLookupFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 3412, Level = LogLevel.Debug, Message = "Manifest {FileKey} published as a DHT record on {Peers} peers")]
    public static partial void ManifestRecordPublished(ILogger logger, string fileKey, int peers);

    [LoggerMessage(EventId = 3413, Level = LogLevel.Information, Message = "Manifest {FileKey} was not published as a DHT record: {Reason}")]
    public static partial void ManifestRecordNotPublished(ILogger logger, string fileKey, string reason);

    [LoggerMessage(EventId = 3414, Level = LogLevel.Debug, Message = "Manifest {FileKey} is {Size} bytes, over the {Limit}-byte DHT record limit: only its stored copies carry it")]
    public static partial void ManifestTooLargeForRecord(ILogger logger, string fileKey, int size, int limit);
}
