using DataMesh.Core.Durability;
using DataMesh.Core.Node;
using DataMesh.Core.Node.Files;

namespace DataMesh.Core.Tests.Durability;

public sealed class StripeToleranceTests
{
    private static IReadOnlyList<IReadOnlyCollection<string>> Holders(params string[] perSlot) =>
        [.. perSlot.Select(nodes => (IReadOnlyCollection<string>)nodes.Split(',', StringSplitOptions.RemoveEmptyEntries))];

    [Fact]
    public void One_shard_per_node_survives_the_parity_count_and_no_more_than_the_nodes_allow()
    {
        StripeTolerance full = StripeTolerance.Of(Holders("a", "b", "c", "d", "e", "f"), dataShards: 4, virtualSlots: 0, storagePeers: 6);
        Assert.Equal(new StripeTolerance(Available: 6, Happiness: 6, Needed: 4, Tolerated: 2, Possible: 2, Missing: 0), full);

        // One node gone: five live nodes can hold five of the six shards apart, so one loss is all that is possible.
        StripeTolerance damaged = StripeTolerance.Of(Holders("a", "b", "c", "d", "e", ""), dataShards: 4, virtualSlots: 0, storagePeers: 5);
        Assert.Equal((1, 1, 1), (damaged.Tolerated, damaged.Possible, damaged.Missing));
    }

    [Fact]
    public void Virtual_slots_of_a_short_last_stripe_need_no_node()
    {
        // 4+2 with one stored data shard: the stored data shard and two parity shards, any one of them reads it.
        StripeTolerance last = StripeTolerance.Of(Holders("a", "b", "c"), dataShards: 4, virtualSlots: 3, storagePeers: 6);
        Assert.Equal((1, 2, 2), (last.Needed, last.Tolerated, last.Possible));
    }

    [Fact]
    public void Readable_but_stacked_on_too_few_nodes_counts_zero_and_too_few_shards_is_lost()
    {
        // Twelve shards over three nodes: readable now, but the matching guarantees no loss.
        StripeTolerance stacked = StripeTolerance.Of(Holders("a", "a", "a", "a", "b", "b", "b", "b", "c", "c", "c", "c"), dataShards: 8, virtualSlots: 0, storagePeers: 3);
        Assert.Equal((12, 3, 0, 0), (stacked.Available, stacked.Happiness, stacked.Tolerated, stacked.Possible));

        StripeTolerance lost = StripeTolerance.Of(Holders("a", "b", "c", "", "", ""), dataShards: 4, virtualSlots: 0, storagePeers: 3);
        Assert.Equal((-1, 3), (lost.Tolerated, lost.Missing));
    }

    [Fact]
    public void Identical_coded_copies_of_a_one_data_shard_stripe_count_once_per_node()
    {
        StripeTolerance replicated = StripeTolerance.Of(Holders("a,b,c", "a,b,c", "a,b,c"), dataShards: 1, virtualSlots: 0, storagePeers: 4);
        Assert.Equal((2, 2), (replicated.Tolerated, replicated.Possible));
        StripeTolerance single = StripeTolerance.Of(Holders("a", "a", "a"), dataShards: 1, virtualSlots: 0, storagePeers: 4);
        Assert.Equal(0, single.Tolerated);
    }

    [Theory]
    [InlineData(-1, 2, true, 1, FileHealthStatus.Lost)]
    [InlineData(2, 2, true, 1, FileHealthStatus.Healthy)]
    [InlineData(2, 2, false, 1, FileHealthStatus.Degraded)]
    [InlineData(1, 2, true, 1, FileHealthStatus.Degraded)]
    [InlineData(0, 2, true, 1, FileHealthStatus.AtRisk)]
    [InlineData(0, 0, true, 1, FileHealthStatus.Healthy)]
    [InlineData(0, 0, false, 1, FileHealthStatus.AtRisk)]
    [InlineData(0, 2, true, 0, FileHealthStatus.Degraded)]
    public void Health_follows_the_tolerance_against_the_target(int tolerated, int target, bool complete, int margin, FileHealthStatus expected) =>
        Assert.Equal(expected, FileMaintenance.Classify(tolerated, target, complete, margin));
}
