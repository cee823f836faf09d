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
