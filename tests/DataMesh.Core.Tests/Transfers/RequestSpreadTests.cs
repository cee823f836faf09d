using DataMesh.Core.Transfers;
using DataMesh.Storage.Addressing;
using Microsoft.Extensions.Time.Testing;
using static DataMesh.Core.Tests.Transfers.TransferFixtures;

namespace DataMesh.Core.Tests.Transfers;

/// <summary>Which shard of a stripe is asked for next: one whose holder is idle, before one queueing behind a busy holder.</summary>
public sealed class RequestSpreadTests
{
    [Fact]
    public async Task A_stripe_takes_a_parity_shard_from_an_idle_peer_rather_than_stack_data_requests_on_a_busy_one()
    {
        const int k = 2, length = 1000;
        var network = new FakeShardNetwork(3);
        foreach (var peer in network.Peers)
        {
            peer.Latency = TimeSpan.FromMilliseconds(100);
        }
        byte[][] shards = [.. Enumerable.Range(0, 4).Select(i => RandomBytes(length, i + 1))];
        ContentHash[] hashes = [.. shards.Select(s => ContentHash.Compute(s))];
        int[] holderOf = [0, 0, 1, 2]; // both data shards on peer 0, one parity shard each on peers 1 and 2
        for (int i = 0; i < shards.Length; i++)
        {
            network[holderOf[i]].Store[hashes[i]] = shards[i];
        }
        var stripe = new StripeDescriptor(0, k, hashes, length, HolderHints: [.. holderOf.Select(p => (IReadOnlyList<Libp2p.Identity.PeerId>)[network[p].Id])]);
        var options = FastOptions with { MaxConcurrentRetrievals = 2, MaxHedgedAttempts = 0 };
        bool[]? present = null;

        await Manager(network, options).RetrieveAsync([stripe], (retrieved, _) =>
        {
            present = retrieved.Present.ToArray();
            return default;
        });

        Assert.Equal(1, network[0].MaxFetchesInFlight);
        Assert.Equal(1, network[1].Fetches);
        Assert.Equal(0, network[2].Fetches);
        Assert.NotNull(present);
        Assert.Equal([true, false, true, false], present);
    }

    [Fact]
    public void The_monitor_says_which_busy_peer_has_been_busy_longest()
    {
        var time = new FakeTimeProvider();
        var monitor = new TransferMonitor(time, progress: null, totalBytes: null, totalShards: null);
        var (a, b) = (Support.TestPeers.Create(1), Support.TestPeers.Create(2));
        Assert.Equal((0, long.MaxValue), monitor.Activity(a));

        monitor.RequestStarted(a);
        time.Advance(TimeSpan.FromMilliseconds(100));
        monitor.RequestStarted(b);
        monitor.RequestStarted(a);
        Assert.True(monitor.Activity(a).BusySince < monitor.Activity(b).BusySince);
        Assert.Equal(2, monitor.Activity(a).Active);

        // Busy since the first of its requests until the last one ends, then idle.
        monitor.RequestEnded(a);
        Assert.Equal(1, monitor.ActiveRequests(a));
        Assert.True(monitor.Activity(a).BusySince < monitor.Activity(b).BusySince);
        monitor.RequestEnded(a);
        Assert.Equal((0, long.MaxValue), monitor.Activity(a));
    }
}
