namespace DataMesh.Core.Durability;

/// <summary>
/// Counts how many node losses a stored stripe really survives, the way Tahoe-LAFS's "servers of happiness" does:
/// the happiness is the size of the largest matching of distinct shards to distinct nodes holding them. Any f nodes
/// failing remove at most f pairs of such a matching, so with happiness h and k data shards needed, the stripe
/// survives any h - k node losses, however copies are spread. Acknowledgements alone overcount: two shards on one
/// node die together.
/// </summary>
public static class PlacementHappiness
{
    /// <summary>The size of a maximum matching between shards and distinct nodes; <paramref name="holders"/> lists,
    /// per distinct shard, the nodes that hold it.</summary>
    public static int Compute<TNode>(IReadOnlyList<IReadOnlyCollection<TNode>> holders)
        where TNode : notnull
    {
        ArgumentNullException.ThrowIfNull(holders);
        var matchedShardOf = new Dictionary<TNode, int>();
        int matched = 0;
        for (int shard = 0; shard < holders.Count; shard++)
        {
            // Kuhn's augmenting paths: at most a few hundred shards and nodes per stripe, so O(V·E) is instant.
            if (TryAugment(shard, holders, matchedShardOf, new HashSet<TNode>()))
            {
                matched++;
            }
        }
        return matched;
    }

    /// <summary>Node losses the stripe survives: happiness minus the data shards needed, or -1 when fewer than
    /// <paramref name="dataShards"/> distinct shards are held on distinct nodes (the stripe may already be lost).</summary>
    public static int ToleratedFailures<TNode>(IReadOnlyList<IReadOnlyCollection<TNode>> holders, int dataShards)
        where TNode : notnull
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dataShards, 1);
        int happiness = Compute(holders);
        return happiness >= dataShards ? happiness - dataShards : -1;
    }

    private static bool TryAugment<TNode>(int shard, IReadOnlyList<IReadOnlyCollection<TNode>> holders,
        Dictionary<TNode, int> matchedShardOf, HashSet<TNode> visited)
        where TNode : notnull
    {
        foreach (TNode node in holders[shard] ?? [])
        {
            if (!visited.Add(node))
            {
                continue;
            }
            if (!matchedShardOf.TryGetValue(node, out int other) || TryAugment(other, holders, matchedShardOf, visited))
            {
                matchedShardOf[node] = shard;
                return true;
            }
        }
        return false;
    }
}
