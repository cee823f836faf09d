namespace DataMesh.Core.Durability;

/// <summary>A layout chosen for a mesh: over <see cref="StoragePeers"/> reachable storage nodes, placed one shard
/// of a stripe per node, it survives <see cref="ExpectedFailures"/> node losses against a target of
/// <see cref="TargetFailures"/>.</summary>
public sealed record LayoutChoice(ShardLayout Layout, int StoragePeers, int TargetFailures, int ExpectedFailures)
{
    /// <summary>Whether the mesh is large enough for the target.</summary>
    public bool MeetsTarget => ExpectedFailures >= TargetFailures;

    /// <summary>The warning for a mesh below target, in the user's terms; null when the target is met.</summary>
    public string? ShortfallMessage => MeetsTarget
        ? null
        : $"{StoragePeers} storage peer(s) reachable: this file survives {ExpectedFailures} node loss(es); target {TargetFailures}.";
}
