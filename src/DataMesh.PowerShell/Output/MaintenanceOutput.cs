namespace DataMesh.PowerShell.Output;

/// <summary>How safe a stripe or file is (Test-DataMeshFile), from the node losses it survives now against its target.
/// The output objects carry its name as a string, so ConvertTo-Json and Export-Csv write "Healthy" rather than a number.</summary>
public enum DataMeshHealthStatus
{
    /// <summary>Survives the target's node losses (TargetFailures), and no shard or manifest copy is missing.</summary>
    Healthy,

    /// <summary>Below the target or missing a shard, but surviving at least the safety margin's node losses.</summary>
    Degraded,

    /// <summary>Readable, but surviving fewer node losses than the safety margin (by default: none).</summary>
    AtRisk,

    /// <summary>Fewer than data_shards shards reachable: unreadable, beyond repair.</summary>
    Lost,
}

/// <summary>One shard slot and the peers that hold it.</summary>
public sealed class DataMeshShardHealth
{
    /// <summary>0..DataShards-1 data, then parity.</summary>
    public required int Slot { get; init; }

    public required string Address { get; init; }

    /// <summary>False for the virtual zero slots of a short last stripe (never stored, always available).</summary>
    public required bool Stored { get; init; }

    public required string[] Holders { get; init; }
}

/// <summary>The availability of one stripe.</summary>
public sealed class DataMeshStripeHealth
{
    public required int Index { get; init; }

    /// <summary>A <see cref="DataMeshHealthStatus"/> name: Healthy, Degraded, AtRisk or Lost.</summary>
    public required string Status { get; init; }

    /// <summary>Shard slots reachable on at least one peer (of DataShards + ParityShards).</summary>
    public required int AvailableShards { get; init; }

    public required int DataShards { get; init; }

    public required int ParityShards { get; init; }

    /// <summary>Stored shards held by fewer than the replication factor's peers.</summary>
    public required int UnderReplicatedShards { get; init; }

    /// <summary>The fewest holders of any stored shard.</summary>
    public required int MinHolders { get; init; }

    /// <summary>Node losses the stripe survives now (shards matched to distinct live holders, minus DataShards); -1 when lost.</summary>
    public required int ToleratedFailures { get; init; }

    public required DataMeshShardHealth[] Shards { get; init; }
}

/// <summary>A file's availability on the mesh (Test-DataMeshFile).</summary>
public sealed class DataMeshFileHealth
{
    public required string FileKey { get; init; }

    /// <summary>From the catalog, else from the manifest when shared with this user; null otherwise.</summary>
    public required string? Name { get; init; }

    public required long Size { get; init; }

    /// <summary>The worst stripe's status (the manifest's copies count too): a <see cref="DataMeshHealthStatus"/> name.</summary>
    public required string Status { get; init; }

    /// <summary>True when Status is Healthy.</summary>
    public required bool IsHealthy { get; init; }

    /// <summary>Storage nodes that may be lost at once with the file still readable, counted from the live holders
    /// (its weakest stripe, and the manifest's holders - 1); -1 when a stripe is lost.</summary>
    public required int ToleratedFailures { get; init; }

    /// <summary>What it should survive: storage.tolerated_node_failures, capped by what its layout allows over the
    /// live storage peers.</summary>
    public required int TargetFailures { get; init; }

    /// <summary>Live storage peers the file could be spread over.</summary>
    public required int StoragePeers { get; init; }

    public required int StripeCount { get; init; }

    public required int HealthyStripes { get; init; }

    public required int DegradedStripes { get; init; }

    public required int AtRiskStripes { get; init; }

    public required int LostStripes { get; init; }

    public required int DataShards { get; init; }

    public required int ParityShards { get; init; }

    public required int ReplicationFactor { get; init; }

    public required int SafetyMargin { get; init; }

    public required string[] ManifestHolders { get; init; }

    public required int ManifestCopiesWanted { get; init; }

    public required int PeersAsked { get; init; }

    /// <summary>Peers that did not answer; their shards count as missing.</summary>
    public required string[] UnreachablePeers { get; init; }

    public required DataMeshStripeHealth[] Stripes { get; init; }
}

/// <summary>What Repair-DataMeshFile did.</summary>
public sealed class DataMeshFileRepair
{
    public required string FileKey { get; init; }

    public required string? Name { get; init; }

    /// <summary>A <see cref="DataMeshHealthStatus"/> name.</summary>
    public required string StatusBefore { get; init; }

    /// <summary>Checked again after the repair: a <see cref="DataMeshHealthStatus"/> name.</summary>
    public required string StatusAfter { get; init; }

    /// <summary>Node losses the file survived before the repair.</summary>
    public required int ToleratedFailuresBefore { get; init; }

    /// <summary>Node losses it survives after the repair: what the repair achieved.</summary>
    public required int ToleratedFailures { get; init; }

    /// <summary>The target it was repaired towards (see DataMeshFileHealth.TargetFailures).</summary>
    public required int TargetFailures { get; init; }

    public required int StripesRepaired { get; init; }

    /// <summary>Shards recomputed with Reed-Solomon because no peer held them.</summary>
    public required int ShardsRebuilt { get; init; }

    /// <summary>Shard copies stored on new peers.</summary>
    public required int CopiesStored { get; init; }

    public required int ManifestCopiesStored { get; init; }

    /// <summary>What could not be repaired, and why.</summary>
    public required string[] Problems { get; init; }

    /// <summary>The full availability after the repair.</summary>
    public required DataMeshFileHealth After { get; init; }
}

/// <summary>What Remove-DataMeshFile -PassThru reports.</summary>
public sealed class DataMeshRemovedFile
{
    public required string FileKey { get; init; }

    public required string? Name { get; init; }

    public required int PeersAsked { get; init; }

    public required int PeersConfirmed { get; init; }

    /// <summary>Shards (the manifest included) deleted by peers.</summary>
    public required int ShardsDeleted { get; init; }

    public required int LocalShardsDeleted { get; init; }

    public required bool RemovedFromCatalog { get; init; }

    /// <summary>Peers that refused or did not answer; their copies remain.</summary>
    public required string[] Problems { get; init; }
}

/// <summary>A user identity created by New-DataMeshIdentity.</summary>
public sealed class DataMeshIdentity
{
    /// <summary>The public identity ("dmid1…") others pass to Send-DataMeshFile -Recipient.</summary>
    public required string PublicIdentity { get; init; }

    public required string Fingerprint { get; init; }

    public required string KeystorePath { get; init; }

    public required bool PassphraseProtected { get; init; }

    public override string ToString() => PublicIdentity;
}
