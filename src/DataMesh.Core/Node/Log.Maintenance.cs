using DataMesh.Libp2p.Identity;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Node;

internal static partial class Log
{
    [LoggerMessage(EventId = 3421, Level = LogLevel.Information, Message = "Repaired {FileKey}: {Rebuilt} shard(s) rebuilt, {Copies} copies and {ManifestCopies} manifest copies stored; survives {ToleratedBefore} -> {Tolerated} node loss(es), target {Target}, now {Status}")]
    public static partial void Repaired(ILogger logger, string fileKey, int rebuilt, int copies, int manifestCopies, int toleratedBefore, int tolerated, int target,
        FileHealthStatus status);

    [LoggerMessage(EventId = 3422, Level = LogLevel.Warning, Message = "Repair of {FileKey}: {Problem}")]
    public static partial void RepairProblem(ILogger logger, string fileKey, string problem);

    [LoggerMessage(EventId = 3423, Level = LogLevel.Information, Message = "Removed {FileKey}: {Confirmed} of {Asked} peer(s) confirmed, {Deleted} shard(s) deleted")]
    public static partial void Removed(ILogger logger, string fileKey, int confirmed, int asked, int deleted);

    [LoggerMessage(EventId = 3424, Level = LogLevel.Warning, Message = "Removing {FileKey}: {Problem}")]
    public static partial void RemoveProblem(ILogger logger, string fileKey, string problem);

    [LoggerMessage(EventId = 3425, Level = LogLevel.Warning, Message = "Scheduled check: {FileKey} ({Name}) survives {Tolerated} node loss(es), target {Target}: {Status}")]
    public static partial void FileBelowTarget(ILogger logger, string fileKey, string name, int tolerated, int target, FileHealthStatus status);

    [LoggerMessage(EventId = 3427, Level = LogLevel.Warning, Message = "Scheduled check of {FileKey} failed: {Reason}")]
    public static partial void ScheduledCheckFailed(ILogger logger, string fileKey, string reason);

    [LoggerMessage(EventId = 3428, Level = LogLevel.Debug, Message = "Scheduled check done: {Checked} file(s) checked, {BelowTarget} below target, {Repaired} repaired, {Failed} failed")]
    public static partial void ScheduledRunDone(ILogger logger, int @checked, int belowTarget, int repaired, int failed);
}
