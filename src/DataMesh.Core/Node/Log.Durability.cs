using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Node;

internal static partial class Log
{
    [LoggerMessage(EventId = 3430, Level = LogLevel.Information, Message = "Sending {Name} as {Layout} over {StoragePeers} storage peer(s): survives {Expected} node loss(es), target {Target}")]
    public static partial void LayoutChosen(ILogger logger, string name, Durability.ShardLayout layout, int storagePeers, int expected, int target);

    // Information, not Warning: the result carries it (SendFileResult.Warning), and its caller reports it as loudly as
    // it sees fit (Send-DataMeshFile writes a warning); logging a warning too would say it twice.
    [LoggerMessage(EventId = 3431, Level = LogLevel.Information, Message = "Below target: {Shortfall}")]
    public static partial void BelowTarget(ILogger logger, string shortfall);
}
