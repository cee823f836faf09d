namespace DataMesh.Core.Durability;

/// <summary>
/// What one stored stripe survives right now, from the live holders of each of its stored shard slots: the node losses
/// it is guaranteed to survive (<see cref="PlacementHappiness"/>: the largest matching of slots to distinct nodes,
/// minus the shards needed), and the most it could survive on the storage nodes there are.
/// </summary>
/// <param name="Available">Slots that can be read now: stored slots with a live holder, plus the virtual (zero)
/// slots of a short last stripe.</param>
/// <param name="Happiness">The size of the largest matching of stored slots to distinct live nodes.</param>
/// <param name="Needed">Stored shards needed to read the stripe: data shards minus its virtual slots.</param>
/// <param name="Tolerated">Node losses the stripe is guaranteed to survive (Happiness - Needed); 0 when it is readable
/// but its shards sit on fewer nodes than that (a loss may or may not cost it); -1 when fewer than the data shards are
/// available (the stripe is lost).</param>
/// <param name="Possible">The most node losses it could survive with its shards spread over
/// <c>storagePeers</c> nodes: min(stored slots, nodes) - Needed, at least 0.</param>
/// <param name="Missing">Stored slots that no live node holds.</param>
public readonly record struct StripeTolerance(int Available, int Happiness, int Needed, int Tolerated, int Possible, int Missing)
{
    /// <param name="storedSlotHolders">Per stored slot (virtual slots left out), the live nodes holding it. Slots with
    /// the same address (a one-data-shard stripe's coded copies are identical) each list the same holders.</param>
    /// <param name="dataShards">k: any k slots rebuild the stripe.</param>
    /// <param name="virtualSlots">Data slots of a short last stripe that were never stored (known zeros).</param>
    /// <param name="storagePeers">Live storage nodes the stripe could be spread over.</param>
    public static StripeTolerance Of<TNode>(IReadOnlyList<IReadOnlyCollection<TNode>> storedSlotHolders, int dataShards, int virtualSlots, int storagePeers)
        where TNode : notnull
    {
        ArgumentNullException.ThrowIfNull(storedSlotHolders);
        ArgumentOutOfRangeException.ThrowIfLessThan(dataShards, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(virtualSlots);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(virtualSlots, dataShards);
        int needed = dataShards - virtualSlots;
        int held = storedSlotHolders.Count(h => h is { Count: > 0 });
        int available = virtualSlots + held;
        int happiness = PlacementHappiness.Compute(storedSlotHolders);
        int tolerated = available < dataShards ? -1 : Math.Max(0, happiness - needed);
        int possible = Math.Max(0, Math.Min(storedSlotHolders.Count, Math.Max(0, storagePeers)) - needed);
        return new StripeTolerance(available, happiness, needed, tolerated, possible, storedSlotHolders.Count - held);
    }
}
