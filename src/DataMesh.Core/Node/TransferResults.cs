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
    TransferStatistics Statistics);

/// <summary>What a completed receive produced.</summary>
public sealed record ReceiveFileResult(
    ManifestAddress FileKey,
    string Name,
    string Path,
    long Size,
    int Stripes,
    int StripesRebuilt,
    TransferStatistics Statistics);
