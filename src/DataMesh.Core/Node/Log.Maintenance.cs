using DataMesh.Libp2p.Identity;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Node;

internal static partial class Log
{
    [LoggerMessage(EventId = 3421, Level = LogLevel.Information, Message = "Repaired {FileKey}: {Rebuilt} shard(s) rebuilt, {Copies} copies and {ManifestCopies} manifest copies stored, now {Status}")]
    public static partial void Repaired(ILogger logger, string fileKey, int rebuilt, int copies, int manifestCopies, FileHealthStatus status);

    [LoggerMessage(EventId = 3422, Level = LogLevel.Warning, Message = "Repair of {FileKey}: {Problem}")]
    public static partial void RepairProblem(ILogger logger, string fileKey, string problem);

    [LoggerMessage(EventId = 3423, Level = LogLevel.Information, Message = "Removed {FileKey}: {Confirmed} of {Asked} peer(s) confirmed, {Deleted} shard(s) deleted")]
    public static partial void Removed(ILogger logger, string fileKey, int confirmed, int asked, int deleted);

    [LoggerMessage(EventId = 3424, Level = LogLevel.Warning, Message = "Removing {FileKey}: {Problem}")]
    public static partial void RemoveProblem(ILogger logger, string fileKey, string problem);
}
