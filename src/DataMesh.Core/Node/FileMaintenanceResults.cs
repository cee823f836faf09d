namespace DataMesh.Core.Node;

/// <summary>How safe a stripe (or a whole file, its worst stripe and its manifest) is, from the node losses it
/// survives now (its tolerance, counted as Tahoe-LAFS's servers of happiness) against the target: the configured
/// <c>tolerated_node_failures</c>, capped by what the file's layout and the live storage nodes allow. Checked in this
/// order: Lost, Healthy, AtRisk, Degraded.</summary>
public enum FileHealthStatus
{
    /// <summary>Tolerance at or above the target and nothing missing: every stored shard has a live holder and the
    /// manifest has as many holders as it should (as far as the live nodes allow).</summary>
    Healthy,

    /// <summary>Readable and surviving at least the safety margin's node losses, but below the target or missing a
    /// shard or manifest copy that a repair can restore.</summary>
    Degraded,

    /// <summary>Readable, but surviving fewer node losses than the safety margin (by default: the next loss may lose data).</summary>
    AtRisk,

    /// <summary>Fewer than data_shards shards are reachable: the stripe cannot be read or repaired.</summary>
    Lost,
}

/// <summary>How many availability requests to make, and what counts as at risk.</summary>
/// <param name="SafetyMargin">A stripe or file that survives fewer than this many node losses is at risk (0..128).</param>
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
/// <param name="ToleratedFailures">Node losses the stripe survives now: the largest matching of its stored shards to
/// distinct live holders, minus the shards needed to read it; -1 when it is lost.</param>
public sealed record StripeAvailability(int Index, int DataShards, int ParityShards, int AvailableShards, int UnderReplicatedShards,
    int MinHolders, FileHealthStatus Status, IReadOnlyList<ShardAvailability> Shards, int ToleratedFailures);

/// <summary>What Test-DataMeshFile reports: the manifest's holders and every stripe's availability.</summary>
/// <param name="Name">The catalog's name for the file, else the manifest's when this user may decrypt it, else null.</param>
/// <param name="ManifestCopiesWanted">How many peers should hold the manifest (as Send places it).</param>
/// <param name="PeersAsked">Peers asked which shards they hold.</param>
/// <param name="UnreachablePeers">Peers that did not answer (their shards count as missing).</param>
/// <param name="ToleratedFailures">Node losses the file survives now: its weakest stripe's, and no more than its
/// manifest's holders - 1; -1 when a stripe is lost.</param>
/// <param name="TargetFailures">What it should survive: storage.tolerated_node_failures, capped by what its layout can
/// give over the live storage peers (a 4+2 stripe survives at most 2 losses, and at most 0 on 4 nodes).</param>
/// <param name="StoragePeers">Live storage peers the file could be spread over (those known that did not fail to answer).</param>
public sealed record FileAvailability(string FileKey, string? Name, long Size, int DataShards, int ParityShards, int ReplicationFactor,
    int SafetyMargin, IReadOnlyList<string> ManifestHolders, int ManifestCopiesWanted, IReadOnlyList<StripeAvailability> Stripes,
    int PeersAsked, IReadOnlyList<string> UnreachablePeers, FileHealthStatus Status, int ToleratedFailures, int TargetFailures, int StoragePeers);

/// <summary>What Repair-DataMeshFile did.</summary>
/// <param name="StripesRepaired">Stripes that needed work and reached the target with every shard held.</param>
/// <param name="ShardsRebuilt">Shards recomputed with Reed-Solomon because no peer held them.</param>
/// <param name="CopiesStored">Shard copies stored on new peers (rebuilt shards, and shards given a node of their own to
/// raise the stripe's tolerance).</param>
/// <param name="ManifestCopiesStored">Manifest copies stored on new peers.</param>
/// <param name="Problems">What could not be repaired, and why (empty when all went well).</param>
/// <param name="After">The file's availability checked again after the repair (its ToleratedFailures and
/// TargetFailures are what the repair achieved).</param>
/// <param name="ToleratedFailuresBefore">Node losses the file survived before the repair.</param>
public sealed record FileRepairResult(string FileKey, FileHealthStatus Before, int StripesRepaired, int ShardsRebuilt, int CopiesStored,
    int ManifestCopiesStored, IReadOnlyList<string> Problems, FileAvailability After, int ToleratedFailuresBefore);

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
