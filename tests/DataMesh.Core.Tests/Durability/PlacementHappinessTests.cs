using DataMesh.Core.Durability;

namespace DataMesh.Core.Tests.Durability;

public sealed class PlacementHappinessTests
{
    private static IReadOnlyList<IReadOnlyCollection<string>> Holders(params string[] perShard) =>
        [.. perShard.Select(nodes => (IReadOnlyCollection<string>)nodes.Split(',', StringSplitOptions.RemoveEmptyEntries))];

    [Fact]
    public void One_shard_per_distinct_node_is_as_happy_as_there_are_shards()
    {
        Assert.Equal(6, PlacementHappiness.Compute(Holders("a", "b", "c", "d", "e", "f")));
        Assert.Equal(2, PlacementHappiness.ToleratedFailures(Holders("a", "b", "c", "d", "e", "f"), dataShards: 4));
    }

    [Fact]
    public void Shards_that_share_a_node_count_once_however_many_acknowledgements()
    {
        // Six shards acknowledged, but only three nodes: any 2 of 3 nodes failing can take 4 shards with them.
        var holders = Holders("a", "a", "b", "b", "c", "c");

        Assert.Equal(3, PlacementHappiness.Compute(holders));
        Assert.Equal(-1, PlacementHappiness.ToleratedFailures(holders, dataShards: 4));
    }

    [Fact]
    public void The_matching_reassigns_shards_to_find_the_largest_one()
    {
        // A greedy pass that gives shard 0 node a leaves shard 1 with nothing; the matching moves shard 0 to b.
        Assert.Equal(3, PlacementHappiness.Compute(Holders("a,b", "a", "b,c")));
    }

    [Fact]
    public void Copies_raise_happiness_only_where_they_add_a_distinct_node()
    {
        Assert.Equal(1, PlacementHappiness.Compute(Holders("a,b,c")));
        Assert.Equal(2, PlacementHappiness.ToleratedFailures(Holders("a", "b", "c"), dataShards: 1));
        Assert.Equal(0, PlacementHappiness.Compute(Holders("", "")));
    }

    [Theory]
    [InlineData(4, 2)]
    [InlineData(3, 1)]
    [InlineData(2, 3)]
    public void The_count_matches_brute_force_over_every_set_of_failed_nodes(int dataShards, int parityShards)
    {
        // Random placements with copies over five nodes: the reported tolerance must survive every set of that many
        // failures (it is a guarantee, never an overstatement), and be exact for the one-shard-per-node placement.
        var random = new Random(1234 + (dataShards * 10) + parityShards);
        string[] nodes = ["a", "b", "c", "d", "e"];
        for (int trial = 0; trial < 300; trial++)
        {
            var holders = Enumerable.Range(0, dataShards + parityShards)
                .Select(_ => (IReadOnlyCollection<string>)[.. nodes.Where(_ => random.Next(3) == 0)])
                .ToList();

            int tolerated = PlacementHappiness.ToleratedFailures(holders, dataShards);

            int worst = WorstCaseTolerance(holders, dataShards, nodes);
            Assert.True(tolerated <= worst, $"trial {trial}: claimed {tolerated}, real {worst}");
            var held = holders.Where(h => h.Count > 0).ToList();
            if (held.All(h => h.Count == 1) && held.Select(h => h.First()).Distinct().Count() == held.Count)
            {
                Assert.Equal(worst, tolerated); // exact when every shard sits alone on its own node
            }
        }
    }

    /// <summary>The largest f such that every set of f failed nodes leaves at least k distinct shards; -1 if even
    /// no failure leaves k.</summary>
    private static int WorstCaseTolerance(IReadOnlyList<IReadOnlyCollection<string>> holders, int k, string[] nodes)
    {
        int best = -1;
        for (int f = 0; f <= nodes.Length; f++)
        {
            bool survivesAll = Subsets(nodes, f).All(failed =>
                holders.Count(h => h.Any(n => !failed.Contains(n))) >= k);
            if (!survivesAll)
            {
                break;
            }
            best = f;
        }
        return best;
    }

    private static IEnumerable<HashSet<string>> Subsets(string[] items, int size)
    {
        for (int mask = 0; mask < 1 << items.Length; mask++)
        {
            if (System.Numerics.BitOperations.PopCount((uint)mask) == size)
            {
                yield return [.. items.Where((_, i) => (mask & (1 << i)) != 0)];
            }
        }
    }
}
