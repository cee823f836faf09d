using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Node;

internal static partial class Log
{
    [LoggerMessage(EventId = 4200, Level = LogLevel.Information, Message = "Sending {Name} as {Layout} over {StoragePeers} storage peer(s): survives {Expected} node loss(es), target {Target}")]
    public static partial void LayoutChosen(ILogger logger, string name, Durability.ShardLayout layout, int storagePeers, int expected, int target);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "{Shortfall}")]
    public static partial void BelowTarget(ILogger logger, string shortfall);
}
