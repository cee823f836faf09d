using DataMesh.Core.Transfers;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Node;

/// <summary>What a completed send produced: the key to hand out and how the transfer went.</summary>
public sealed record SendFileResult(
    ManifestAddress FileKey,
    string Name,
    string SourcePath,
    long Size,
    int Stripes,
    int Shards,
    int DataShards,
    int ParityShards,
    TransferStatistics Statistics)
{
    /// <summary>Shards an interrupted earlier run of the same send had already stored (taken from its journal).</summary>
    public int ShardsSkipped { get; init; }

    /// <summary>True when this send continued an interrupted one (same file key and file id).</summary>
    public bool Resumed { get; init; }

    /// <summary>Storage nodes that may be lost at once while the file stays readable, counted from the acknowledged
    /// placement: the least over every stripe (a matching of its shards to distinct nodes, less the shards it needs)
    /// and the manifest (its holders less one).</summary>
    public int ToleratedFailures { get; init; }

    /// <summary>The node losses the send aimed for (tolerated_node_failures or the per-send override).</summary>
    public int TargetFailures { get; init; }

    /// <summary>Storage peers reachable when the layout was chosen; 0 with a fixed layout (not counted).</summary>
    public int StoragePeers { get; init; }

    /// <summary>Bytes stored across the mesh for this file, redundancy and manifest included, counted from what the
    /// peers acknowledged (a resumed send counts the earlier run's shards too).</summary>
    public long StoredBytes { get; init; }

    /// <summary><see cref="StoredBytes"/> per byte of the file (0 for an empty file).</summary>
    public double Overhead => Size > 0 ? (double)StoredBytes / Size : 0;

    /// <summary>Why the file survives fewer node losses than the target (too few storage peers), in the user's terms;
    /// null when the target is met.</summary>
    public string? Warning { get; init; }
}

/// <summary>What a completed receive produced.</summary>
public sealed record ReceiveFileResult(
    ManifestAddress FileKey,
    string Name,
    string Path,
    long Size,
    int Stripes,
    int StripesRebuilt,
    TransferStatistics Statistics)
{
    /// <summary>Stripes an interrupted earlier run had already written and that were found intact.</summary>
    public int StripesSkipped { get; init; }

    /// <summary>True when this receive continued an interrupted one from its partial file.</summary>
    public bool Resumed { get; init; }
}
