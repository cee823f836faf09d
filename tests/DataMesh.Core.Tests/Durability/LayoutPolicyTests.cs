using DataMesh.Core.Durability;

namespace DataMesh.Core.Tests.Durability;

public sealed class LayoutPolicyTests
{
    [Theory]
    [InlineData(4, 2, 2, 2, 2)]
    [InlineData(6, 2, 4, 2, 2)]
    [InlineData(12, 2, 10, 2, 2)]
    [InlineData(5, 1, 4, 1, 1)]
    [InlineData(100, 2, 16, 2, 2)] // capped stripe width
    public void Choose_spreads_one_shard_of_a_stripe_per_node(int peers, int target, int k, int m, int expected)
    {
        LayoutChoice choice = LayoutPolicy.Choose(peers, target);

        Assert.Equal(k, choice.Layout.DataShards);
        Assert.Equal(m, choice.Layout.ParityShards);
        Assert.Equal(1, choice.Layout.Copies);
        Assert.Equal(expected, choice.ExpectedFailures);
        Assert.Equal(expected >= target, choice.MeetsTarget);
    }

    [Theory]
    [InlineData(2, 2, 1)]   // below target: the data on both, survives 1
    [InlineData(3, 2, 2)]   // n = f + 1: a copy per node
    [InlineData(1, 2, 0)]
    public void Choose_replicates_where_a_code_cannot_help(int peers, int target, int expected)
    {
        // One data shard and n - 1 parity shards, one slot per node: parity of one data shard is the same bytes, which
        // the send stores once per slot.
        LayoutChoice choice = LayoutPolicy.Choose(peers, target);

        Assert.Equal(new ShardLayout(1, peers - 1), choice.Layout);
        Assert.Equal(expected, choice.ExpectedFailures);
        Assert.Equal(LayoutPolicy.MdsBound(peers, target), choice.Layout.Overhead, precision: 9);
    }

    [Theory]
    [InlineData(1, 2, 1, 0)]
    [InlineData(2, 2, 1, 0)]
    [InlineData(3, 2, 1, 1)]
    [InlineData(8, 7, 1, 1)]
    public void No_tolerated_loss_still_codes_at_least_two_data_shards(int peers, int k, int m, int expected)
    {
        LayoutChoice choice = LayoutPolicy.Choose(peers, 0);

        Assert.Equal(new ShardLayout(k, m), choice.Layout);
        Assert.Equal(expected, choice.ExpectedFailures);
    }

    [Theory]
    [InlineData(3, 2)]
    [InlineData(4, 2)]
    [InlineData(6, 2)]
    [InlineData(12, 2)]
    [InlineData(7, 3)]
    [InlineData(18, 2)]
    public void Overhead_meets_the_MDS_bound_up_to_the_stripe_cap(int peers, int target)
    {
        LayoutChoice choice = LayoutPolicy.Choose(peers, target);

        Assert.Equal(LayoutPolicy.MdsBound(peers, target), choice.Layout.Overhead, precision: 9);
        Assert.True(choice.Layout.Width <= peers, "never more shards of a stripe than nodes to hold them");
    }

    [Fact]
    public void A_mesh_below_target_says_what_it_achieves_in_the_users_terms()
    {
        LayoutChoice choice = LayoutPolicy.Choose(2, 2);

        Assert.False(choice.MeetsTarget);
        Assert.Equal("2 storage peer(s) reachable: this file survives 1 node loss(es); target 2.", choice.ShortfallMessage);
        Assert.Null(LayoutPolicy.Choose(3, 2).ShortfallMessage);
    }

    [Fact]
    public void Out_of_range_inputs_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LayoutPolicy.Choose(0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => LayoutPolicy.Choose(3, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LayoutPolicy.Choose(3, LayoutPolicy.MaxToleratedFailures + 1));
    }
}
