using DataMesh.Core.Node;

namespace DataMesh.PowerShell.Output;

/// <summary>Turns the node's maintenance results into the module's output objects.</summary>
internal static class MaintenanceOutputMapping
{
    /// <summary>The status name the output objects carry (a string, so JSON and CSV show the name).</summary>
    public static string ToStatus(FileHealthStatus status) => (status switch
    {
        FileHealthStatus.Healthy => DataMeshHealthStatus.Healthy,
        FileHealthStatus.Degraded => DataMeshHealthStatus.Degraded,
        FileHealthStatus.AtRisk => DataMeshHealthStatus.AtRisk,
        _ => DataMeshHealthStatus.Lost,
    }).ToString();

    public static DataMeshFileHealth ToOutput(FileAvailability file)
    {
        DataMeshStripeHealth[] stripes = [.. file.Stripes.Select(s => new DataMeshStripeHealth
        {
            Index = s.Index,
            Status = ToStatus(s.Status),
            AvailableShards = s.AvailableShards,
            DataShards = s.DataShards,
            ParityShards = s.ParityShards,
            UnderReplicatedShards = s.UnderReplicatedShards,
            MinHolders = s.MinHolders,
            ToleratedFailures = s.ToleratedFailures,
            Shards = [.. s.Shards.Select(x => new DataMeshShardHealth { Slot = x.Slot, Address = x.Address, Stored = x.Stored, Holders = [.. x.Holders] })],
        })];
        return new DataMeshFileHealth
        {
            FileKey = file.FileKey,
            Name = file.Name,
            Size = file.Size,
            Status = ToStatus(file.Status),
            IsHealthy = file.Status == FileHealthStatus.Healthy,
            ToleratedFailures = file.ToleratedFailures,
            TargetFailures = file.TargetFailures,
            StoragePeers = file.StoragePeers,
            StripeCount = stripes.Length,
            HealthyStripes = stripes.Count(s => s.Status == nameof(DataMeshHealthStatus.Healthy)),
            DegradedStripes = stripes.Count(s => s.Status == nameof(DataMeshHealthStatus.Degraded)),
            AtRiskStripes = stripes.Count(s => s.Status == nameof(DataMeshHealthStatus.AtRisk)),
            LostStripes = stripes.Count(s => s.Status == nameof(DataMeshHealthStatus.Lost)),
            DataShards = file.DataShards,
            ParityShards = file.ParityShards,
            ReplicationFactor = file.ReplicationFactor,
            SafetyMargin = file.SafetyMargin,
            ManifestHolders = [.. file.ManifestHolders],
            ManifestCopiesWanted = file.ManifestCopiesWanted,
            PeersAsked = file.PeersAsked,
            UnreachablePeers = [.. file.UnreachablePeers],
            Stripes = stripes,
        };
    }

    public static DataMeshFileRepair ToOutput(FileRepairResult repair)
    {
        DataMeshFileHealth after = ToOutput(repair.After);
        return new DataMeshFileRepair
        {
            FileKey = repair.FileKey,
            Name = after.Name,
            StatusBefore = ToStatus(repair.Before),
            StatusAfter = after.Status,
            ToleratedFailuresBefore = repair.ToleratedFailuresBefore,
            ToleratedFailures = after.ToleratedFailures,
            TargetFailures = after.TargetFailures,
            StripesRepaired = repair.StripesRepaired,
            ShardsRebuilt = repair.ShardsRebuilt,
            CopiesStored = repair.CopiesStored,
            ManifestCopiesStored = repair.ManifestCopiesStored,
            Problems = [.. repair.Problems],
            After = after,
        };
    }

    public static DataMeshRemovedFile ToOutput(FileRemovalResult removal) => new()
    {
        FileKey = removal.FileKey,
        Name = removal.Name,
        PeersAsked = removal.PeersAsked,
        PeersConfirmed = removal.PeersConfirmed,
        ShardsDeleted = removal.ShardsDeleted,
        LocalShardsDeleted = removal.LocalShardsDeleted,
        RemovedFromCatalog = removal.RemovedFromCatalog,
        Problems = [.. removal.Problems],
    };
}
