using DataMesh.Storage.Addressing;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Dht;

internal static partial class Log
{
    [LoggerMessage(EventId = 3300, Level = LogLevel.Debug, Message = "Announced shard {Hash} as provided to {Peers} peers")]
    public static partial void ProviderAnnounced(ILogger logger, ContentHash hash, int peers);

    [LoggerMessage(EventId = 3301, Level = LogLevel.Debug, Message = "Announcing shard {Hash} failed: {Reason}")]
    public static partial void ProviderAnnounceFailed(ILogger logger, ContentHash hash, string reason);
}
