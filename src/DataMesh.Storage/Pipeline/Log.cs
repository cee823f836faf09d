using Microsoft.Extensions.Logging;

namespace DataMesh.Storage.Pipeline;

internal static partial class Log
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Shard {Index} of stripe {Stripe} is unavailable: {Reason}")]
    public static partial void ShardUnavailable(ILogger logger, long stripe, int index, string reason);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Encoded {Bytes} bytes into {Stripes} stripes of {DataShards}+{ParityShards}; manifest {Address}")]
    public static partial void Encoded(ILogger logger, long bytes, int stripes, int dataShards, int parityShards, Manifests.ManifestAddress address);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Decoded {Bytes} bytes to {Path}; {Rebuilt} stripes rebuilt from parity, {Unavailable} shards unavailable")]
    public static partial void Decoded(ILogger logger, long bytes, string path, int rebuilt, int unavailable);
}
