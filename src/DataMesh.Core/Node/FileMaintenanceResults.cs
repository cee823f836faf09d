namespace DataMesh.Core.Node;

/// <summary>How safe a stripe (or a whole file, its worst stripe) is.</summary>
public enum FileHealthStatus
{
    /// <summary>Every shard is reachable on at least replication_factor peers.</summary>
    Healthy,

    /// <summary>Some shard is missing or under-replicated, but more than data_shards + the safety margin remain.</summary>
    Degraded,

    /// <summary>Still readable, but losing the safety margin's worth of shards more would lose data.</summary>
    AtRisk,

    /// <summary>Fewer than data_shards shards are reachable: the stripe cannot be read or repaired.</summary>
    Lost,
}

/// <summary>How many availability requests to make, and what counts as at risk.</summary>
/// <param name="SafetyMargin">A stripe with fewer than data_shards + this many reachable shards is at risk (0..128).</param>
internal sealed record FileCheckOptions(int SafetyMargin = 1)
{
    public const int MaxSafetyMargin = 128;
}

/// <summary>One shard slot of a stripe and the peers that answered that they hold it.</summary>
/// <param name="Slot">0..k-1 data, k..k+m-1 parity.</param>
/// <param name="Stored">False for the virtual zero slots of a short last stripe (never stored, always available).</param>
public sealed record ShardAvailability(int Slot, string Address, bool Stored, IReadOnlyList<string> Holders)
{
    public bool Available => !Stored || Holders.Count > 0;
}

/// <summary>The availability of one stripe.</summary>
/// <param name="AvailableShards">Slots with at least one holder (virtual slots count as available).</param>
/// <param name="UnderReplicatedShards">Stored shards held by fewer than the replication factor's peers (missing ones included).</param>
/// <param name="MinHolders">The fewest holders of any stored shard.</param>
public sealed record StripeAvailability(int Index, int DataShards, int ParityShards, int AvailableShards, int UnderReplicatedShards,
    int MinHolders, FileHealthStatus Status, IReadOnlyList<ShardAvailability> Shards);

/// <summary>What Test-DataMeshFile reports: the manifest's holders and every stripe's availability.</summary>
/// <param name="Name">The catalog's name for the file, else the manifest's when this user may decrypt it, else null.</param>
/// <param name="ManifestCopiesWanted">How many peers should hold the manifest (as Send places it).</param>
/// <param name="PeersAsked">Peers asked which shards they hold.</param>
/// <param name="UnreachablePeers">Peers that did not answer (their shards count as missing).</param>
public sealed record FileAvailability(string FileKey, string? Name, long Size, int DataShards, int ParityShards, int ReplicationFactor,
    int SafetyMargin, IReadOnlyList<string> ManifestHolders, int ManifestCopiesWanted, IReadOnlyList<StripeAvailability> Stripes,
    int PeersAsked, IReadOnlyList<string> UnreachablePeers, FileHealthStatus Status);

/// <summary>What Repair-DataMeshFile did.</summary>
/// <param name="ShardsRebuilt">Shards recomputed with Reed-Solomon because no peer held them.</param>
/// <param name="CopiesStored">Shard copies stored on new peers (rebuilt or copied from survivors).</param>
/// <param name="ManifestCopiesStored">Manifest copies stored on new peers.</param>
/// <param name="Problems">What could not be repaired, and why (empty when all went well).</param>
/// <param name="After">The file's availability checked again after the repair.</param>
public sealed record FileRepairResult(string FileKey, FileHealthStatus Before, int StripesRepaired, int ShardsRebuilt, int CopiesStored,
    int ManifestCopiesStored, IReadOnlyList<string> Problems, FileAvailability After);

/// <summary>What Remove-DataMeshFile did.</summary>
/// <param name="PeersAsked">Storage peers asked to delete (every peer that may hold the manifest or a shard).</param>
/// <param name="PeersConfirmed">Peers that accepted the delete (whether or not they held anything).</param>
/// <param name="ShardsDeleted">Shards (the manifest included) the peers reported deleting.</param>
/// <param name="LocalShardsDeleted">Shards deleted from this node's own store.</param>
/// <param name="Problems">Peers that refused or did not answer, and why; their copies remain.</param>
public sealed record FileRemovalResult(string FileKey, string? Name, int PeersAsked, int PeersConfirmed, int ShardsDeleted,
    int LocalShardsDeleted, bool RemovedFromCatalog, IReadOnlyList<string> Problems);

/// <summary>The file's manifest is signed by another user: only its owner may delete it.</summary>
internal sealed class NotFileOwnerException : DataMeshException
{
    public NotFileOwnerException(string fileKey, string ownerFingerprint)
        : base($"{fileKey} belongs to {ownerFingerprint}; only its owner can remove it from the mesh.") => FileKey = fileKey;

    public string FileKey { get; }
}
