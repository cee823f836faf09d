namespace DataMesh.PowerShell.Output;

/// <summary>A file stored on the mesh (Send-DataMeshFile).</summary>
public sealed class DataMeshSentFile
{
    /// <summary>The key to hand to Receive-DataMeshFile ("dm1…").</summary>
    public required string FileKey { get; init; }

    public required string Name { get; init; }

    /// <summary>The local file that was sent.</summary>
    public required string Path { get; init; }

    public required long Size { get; init; }

    public required int Stripes { get; init; }

    public required int Shards { get; init; }

    public required int DataShards { get; init; }

    public required int ParityShards { get; init; }

    /// <summary>Storage nodes that may be lost at once while the file stays readable, counted from where its shards
    /// and manifest were acknowledged (the least over every stripe and the manifest).</summary>
    public required int ToleratedFailures { get; init; }

    /// <summary>Bytes stored across the mesh for the file, redundancy and manifest included.</summary>
    public required long StoredBytes { get; init; }

    /// <summary>StoredBytes / Size: bytes stored per byte of file.</summary>
    public required double Overhead { get; init; }

    /// <summary>True when this send continued an interrupted send of the same file.</summary>
    public required bool Resumed { get; init; }

    /// <summary>Shards the interrupted send had already stored, not uploaded again.</summary>
    public required int ShardsSkipped { get; init; }

    public required TimeSpan Duration { get; init; }

    /// <summary>File bytes per second over the transfer, in MB/s (10^6 bytes per second).</summary>
    public required double ThroughputMBps { get; init; }

    public required int Retries { get; init; }

    public required int HedgesFired { get; init; }
}

/// <summary>A file fetched from the mesh (Receive-DataMeshFile).</summary>
public sealed class DataMeshReceivedFile
{
    public required string FileKey { get; init; }

    public required string Name { get; init; }

    /// <summary>Where the file was written.</summary>
    public required string Path { get; init; }

    public required long Size { get; init; }

    public required int Stripes { get; init; }

    /// <summary>Stripes that needed parity shards to be rebuilt.</summary>
    public required int StripesRebuilt { get; init; }

    /// <summary>True when this receive continued an interrupted one from its partial file.</summary>
    public required bool Resumed { get; init; }

    /// <summary>Stripes the interrupted receive had already written (and that checked out), not fetched again.</summary>
    public required int StripesSkipped { get; init; }

    public required TimeSpan Duration { get; init; }

    /// <summary>File bytes per second over the transfer, in MB/s (10^6 bytes per second).</summary>
    public required double ThroughputMBps { get; init; }

    public required int Retries { get; init; }

    public required int HedgesFired { get; init; }
}

/// <summary>A file this user sent, from the local catalog (Get-DataMeshFile).</summary>
public sealed class DataMeshFileInfo
{
    public required string FileKey { get; init; }

    public required string Name { get; init; }

    public required long Size { get; init; }

    /// <summary>A list of strings that converts to text as "a;b" (what Export-Csv writes) and to JSON as an array.</summary>
    public required DataMeshTagList Tags { get; init; }

    public required DateTimeOffset Created { get; init; }

    public required int ChunkSize { get; init; }

    public required int DataShards { get; init; }

    public required int ParityShards { get; init; }

    public required long Stripes { get; init; }

    public required int Recipients { get; init; }
}

/// <summary>
/// A file's tags. Export-Csv and string conversion use ToString, which for a string[] is "System.String[]"; this
/// list writes "a;b" there instead, while -contains, indexing, Format-Table and ConvertTo-Json see a list of strings.
/// </summary>
public sealed class DataMeshTagList(IList<string> tags) : System.Collections.ObjectModel.ReadOnlyCollection<string>(tags)
{
    /// <summary>The separator in the text form (tags may contain commas and spaces, rarely semicolons).</summary>
    public const char Separator = ';';

    public override string ToString() => string.Join(Separator, this);
}

internal static class Throughput
{
    /// <summary>MB/s (10^6 bytes per second), the one throughput unit of every output (transfer results and peer
    /// statistics), unrounded.</summary>
    public static double MegabytesPerSecond(double bytesPerSecond) => bytesPerSecond / 1e6;

    /// <summary>MB/s over a transfer, 2 decimals, 0 for an instantaneous transfer.</summary>
    public static double MegabytesPerSecond(long bytes, TimeSpan duration) =>
        duration <= TimeSpan.Zero ? 0 : Math.Round(MegabytesPerSecond(bytes / duration.TotalSeconds), 2);
}
