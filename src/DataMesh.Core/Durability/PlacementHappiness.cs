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

    /// <summary>The most nodes a stripe held on at most this many distinct nodes is checked against exactly.</summary>
    public const int MaxNodesCountedExactly = 12;

    /// <summary>
    /// Node losses the stripe survives, exactly when that is cheap: the happiness bound is exact when every shard is on
    /// one node and no node holds two of them, but with copies or several shards per node (a fixed layout on a small mesh: 8+4 × 3 copies on
    /// 6 nodes) it reports -1 for a stripe every node loss leaves readable. Then, for stripes on at most
    /// <see cref="MaxNodesCountedExactly"/> nodes, every set of nodes is tried, smallest first (at most 2^12 sets);
    /// beyond that the happiness bound stands (it never overstates).
    /// </summary>
    public static int SurvivableFailures<TNode>(IReadOnlyList<IReadOnlyCollection<TNode>> holders, int dataShards)
        where TNode : notnull
    {
        ArgumentNullException.ThrowIfNull(holders);
        int bound = ToleratedFailures(holders, dataShards);
        if (dataShards == 1)
        {
            // Any one shard reads the stripe: it is lost only with every node holding any of its shards.
            return holders.SelectMany(h => h ?? []).Distinct().Count() - 1;
        }
        var nodes = new Dictionary<TNode, int>();
        bool shared = false;
        var masks = new int[holders.Count];
        for (int shard = 0; shard < holders.Count; shard++)
        {
            // A shard on several nodes is also undercounted: losing one of its copies loses nothing.
            shared |= holders[shard]?.Count > 1;
            foreach (TNode node in holders[shard] ?? [])
            {
                if (!nodes.TryGetValue(node, out int index))
                {
                    index = nodes.Count;
                    nodes[node] = index;
                }
                else
                {
                    shared = true;
                }
                if (index < 31)
                {
                    masks[shard] |= 1 << index;
                }
            }
        }
        if (!shared || nodes.Count > MaxNodesCountedExactly)
        {
            return bound;
        }
        int all = (1 << nodes.Count) - 1;
        for (int lost = 0; lost <= nodes.Count; lost++)
        {
            for (int failed = 0; failed <= all; failed++)
            {
                if (System.Numerics.BitOperations.PopCount((uint)failed) == lost && !Readable(masks, failed, dataShards))
                {
                    return lost - 1;
                }
            }
        }
        return nodes.Count - 1;
    }

    private static bool Readable(int[] masks, int failed, int dataShards)
    {
        int left = 0;
        foreach (int mask in masks)
        {
            if ((mask & ~failed) != 0 && ++left >= dataShards)
            {
                return true;
            }
        }
        return false;
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
