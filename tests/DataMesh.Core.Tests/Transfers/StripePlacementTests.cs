using DataMesh.Core.Transfers;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using static DataMesh.Core.Tests.Transfers.TransferFixtures;

namespace DataMesh.Core.Tests.Transfers;

public sealed class StripePlacementTests
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    /// <summary>Candidates per slot: every peer, in an order that starts at a different peer per slot (most slots
    /// prefer peers an earlier slot already took).</summary>
    private static IReadOnlyList<IReadOnlyList<PeerId>> Windows(IReadOnlyList<PeerId> peers, int slots) =>
        [.. Enumerable.Range(0, slots).Select(slot => (IReadOnlyList<PeerId>)[.. peers.Skip(slot / 2).Concat(peers.Take(slot / 2))])];

    [Fact]
    public void Plan_with_enough_peers_puts_every_copy_on_its_own_peer_preferring_the_closest()
    {
        var peers = Support.TestPeers.CreateMany(14);
        var windows = Windows(peers, 6);

        var plan = StripePlacement.Plan(windows, copies: 2);

        var all = plan.SelectMany(p => p).ToList();
        Assert.Equal(12, all.Count);
        Assert.Equal(12, all.Distinct().Count());
        Assert.Equal(windows[0][0], plan[0][0]); // slot 0 gets its closest peer
        Assert.Equal(windows[0][1], plan[0][1]);
    }

    [Theory]
    [InlineData(4, 6, 1)]
    [InlineData(5, 14, 1)]
    [InlineData(3, 4, 2)]
    public void Plan_with_fewer_peers_spreads_the_load_evenly_and_never_puts_two_copies_of_a_shard_together(int peerCount, int slots, int copies)
    {
        var peers = Support.TestPeers.CreateMany(peerCount);

        var plan = StripePlacement.Plan(Windows(peers, slots), copies);

        Assert.All(plan, picks =>
        {
            Assert.Equal(copies, picks.Count);
            Assert.Equal(copies, picks.Distinct().Count());
        });
        var load = plan.SelectMany(p => p).GroupBy(p => p).Select(g => g.Count()).ToList();
        Assert.Equal(peerCount, load.Count);
        Assert.True(load.Max() - load.Min() <= 1, $"loads {string.Join(',', load)}");
    }

    [Fact]
    public void Plan_is_deterministic()
    {
        var peers = Support.TestPeers.CreateMany(9);
        var windows = Windows(peers, 7);

        Assert.Equal(StripePlacement.Plan(windows, 1).SelectMany(p => p), StripePlacement.Plan(windows, 1).SelectMany(p => p));
    }

    private static (List<ShardToUpload> Shards, List<StripePlacement> Stripes) Stripes(int count, int width, int length = 256)
    {
        var shards = new List<ShardToUpload>();
        var stripes = new List<StripePlacement>();
        for (int s = 0; s < count; s++)
        {
            var blobs = Enumerable.Range(0, width).Select(i => RandomBytes(length, (s * 100) + i + 1)).ToArray();
            var placement = new StripePlacement([.. blobs.Select(b => ContentHash.Compute(b))]);
            stripes.Add(placement);
            shards.AddRange(blobs.Select(b => new ShardToUpload(ContentHash.Compute(b), b) { Placement = placement }));
        }
        return (shards, stripes);
    }

    private static async IAsyncEnumerable<ShardToUpload> Stream(IEnumerable<ShardToUpload> shards)
    {
        foreach (var shard in shards)
        {
            await Task.Yield();
            yield return shard;
        }
    }

    [Theory]
    [InlineData(14, 1)]
    [InlineData(12, 2)]
    public async Task Uploads_put_a_stripes_shards_on_distinct_peers(int peers, int replication)
    {
        var network = new FakeShardNetwork(peers);
        var (shards, stripes) = Stripes(count: 8, width: 6);

        await Manager(network, FastOptions with { ReplicationFactor = replication, MaxConcurrentUploads = 6 })
            .UploadAsync(Stream(shards), cancellationToken: Timeout);

        foreach (var stripe in stripes)
        {
            var holders = stripe.Shards.SelectMany(network.HoldersOf).ToList();
            Assert.Equal(stripe.Shards.Count * replication, holders.Count);
            Assert.Equal(holders.Count, holders.Distinct().Count());
        }
    }

    [Fact]
    public async Task With_fewer_peers_than_shards_a_stripe_is_spread_evenly()
    {
        var network = new FakeShardNetwork(4);
        var (shards, stripes) = Stripes(count: 5, width: 6);

        await Manager(network, FastOptions with { ReplicationFactor = 1 }).UploadAsync(Stream(shards), cancellationToken: Timeout);

        foreach (var stripe in stripes)
        {
            var load = stripe.Shards.SelectMany(network.HoldersOf).GroupBy(p => p.Id).Select(g => g.Count()).ToList();
            Assert.Equal(4, load.Count);
            Assert.True(load.Max() - load.Min() <= 1, $"loads {string.Join(',', load)}");
        }
    }

    [Fact]
    public async Task A_refusing_peer_is_replaced_by_one_holding_nothing_of_the_stripe()
    {
        var network = new FakeShardNetwork(8);
        network[0].RejectsStores = ShardRejectionReason.OverQuota;
        network[3].Offline = true;
        var (shards, stripes) = Stripes(count: 6, width: 6);

        await Manager(network, FastOptions with { ReplicationFactor = 1 }).UploadAsync(Stream(shards), cancellationToken: Timeout);

        foreach (var stripe in stripes)
        {
            var holders = stripe.Shards.SelectMany(network.HoldersOf).Select(p => p.Id).ToList();
            Assert.Equal(6, holders.Distinct().Count());
        }
    }

    [Fact]
    public async Task Without_provider_records_retrieval_finds_shards_placed_away_from_their_closest_peer_and_survives_m_lost_peers()
    {
        const int k = 4, m = 2;
        var network = new FakeShardNetwork(12);
        var (shards, stripes) = Stripes(count: 10, width: k + m);
        var manager = Manager(network, FastOptions with { ReplicationFactor = 1, UsePlacementHints = true });
        await manager.UploadAsync(Stream(shards), cancellationToken: Timeout);
        // Holder lookups now only name each shard's closest peer, as a directory without provider records does.
        network.HolderLookupWindow = 1;
        var byLoad = network.Peers.OrderByDescending(p => p.Store.Count).Take(m).ToList();
        foreach (var peer in byLoad)
        {
            peer.Offline = true;
        }
        var originals = new Dictionary<int, byte[][]>();
        var descriptors = new List<StripeDescriptor>();
        for (int s = 0; s < stripes.Count; s++)
        {
            originals[s] = [.. shards.Skip(s * (k + m)).Take(k + m).Select(x => x.Data.ToArray())];
            descriptors.Add(new StripeDescriptor(s, k, stripes[s].Shards, 256));
        }

        var handler = new CheckingHandler(originals);
        var result = await manager.RetrieveAsync(descriptors, handler.HandleAsync, cancellationToken: Timeout);

        Assert.Equal(10, result.StripesDelivered);
        Assert.Equal(Enumerable.Range(0, 10), handler.Delivered);
    }

    [Fact]
    public async Task Planned_holders_are_asked_without_a_holder_lookup_and_a_lookup_is_made_only_for_shards_they_did_not_serve()
    {
        const int k = 4, m = 2;
        var network = new FakeShardNetwork(8);
        var (shards, stripes) = Stripes(count: 4, width: k + m);
        var manager = Manager(network, FastOptions with { ReplicationFactor = 1, UsePlacementHints = true, MaxHedgedAttempts = 0 });
        await manager.UploadAsync(Stream(shards), cancellationToken: Timeout);
        var originals = new Dictionary<int, byte[][]>();
        var descriptors = new List<StripeDescriptor>();
        for (int s = 0; s < stripes.Count; s++)
        {
            originals[s] = [.. shards.Skip(s * (k + m)).Take(k + m).Select(x => x.Data.ToArray())];
            descriptors.Add(new StripeDescriptor(s, k, stripes[s].Shards, 256));
        }

        await manager.RetrieveAsync(descriptors, new CheckingHandler(originals).HandleAsync, cancellationToken: Timeout);
        Assert.Equal(0, network.HolderLookups); // every shard came from where the placement put it

        // A planned holder that lost its copies answers "not found": those shards, and only those, need a lookup,
        // which finds the copy moved elsewhere.
        var emptied = network.Peers.First(p => !p.Store.IsEmpty);
        var moved = network.Peers.First(p => p != emptied && !p.Store.IsEmpty);
        foreach (var (hash, data) in emptied.Store)
        {
            moved.Store[hash] = data;
        }
        emptied.Store.Clear();
        await manager.RetrieveAsync(descriptors, new CheckingHandler(originals).HandleAsync, cancellationToken: Timeout);
        Assert.InRange(network.HolderLookups, 1, descriptors.Count * k);
    }
}
