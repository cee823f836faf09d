using DataMesh.Core.Peers;
using DataMesh.Core.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace DataMesh.Core.Tests.Peers;

public sealed class PeerRankerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Fast_reliable_peers_come_first_failing_ones_last_banned_ones_never()
    {
        var statistics = new PeerStatistics(timeProvider: _time);
        var (fast, slow, failing, banned) = (TestPeers.Create(1), TestPeers.Create(2), TestPeers.Create(3), TestPeers.Create(4));
        for (int i = 0; i < 10; i++)
        {
            statistics.RecordSuccess(fast, TimeSpan.FromMilliseconds(10), 100, 0);
            statistics.RecordSuccess(slow, TimeSpan.FromMilliseconds(400), 100, 0);
            statistics.RecordFailure(failing);
        }
        statistics.RecordSuccess(banned, TimeSpan.FromMilliseconds(1), 100, 0);
        statistics.RecordCorrupt(banned);
        var ranker = new PeerRanker(statistics, new Random(1));

        for (int run = 0; run < 20; run++)
        {
            Assert.Equal([fast, slow, failing], ranker.Rank([failing, banned, slow, fast, fast], preferFastPeers: true));
        }
    }

    [Fact]
    public void Unknown_peers_get_an_optimistic_prior_so_they_are_tried()
    {
        var statistics = new PeerStatistics(timeProvider: _time);
        var (known, slowKnown, unknown) = (TestPeers.Create(1), TestPeers.Create(2), TestPeers.Create(3));
        statistics.RecordSuccess(known, TimeSpan.FromMilliseconds(50), 100, 0);
        statistics.RecordSuccess(slowKnown, TimeSpan.FromMilliseconds(900), 100, 0);
        var ranker = new PeerRanker(statistics, new Random(2));

        var positions = Enumerable.Range(0, 200)
            .Select(_ => ranker.Rank([known, slowKnown, unknown], preferFastPeers: true).ToList().IndexOf(unknown))
            .ToList();

        // Level with the best known peer: ahead of the slow one always, first about half the time (random ties).
        Assert.All(positions, p => Assert.InRange(p, 0, 1));
        Assert.InRange(positions.Count(p => p == 0), 40, 160);
    }

    [Fact]
    public void Without_prefer_fast_peers_the_order_is_random_but_still_excludes_banned_peers()
    {
        var statistics = new PeerStatistics(timeProvider: _time);
        var peers = TestPeers.CreateMany(5);
        statistics.Ban(peers[4], TimeSpan.FromMinutes(1));
        var ranker = new PeerRanker(statistics, new Random(3));

        var firsts = new HashSet<Libp2p.Identity.PeerId>();
        for (int run = 0; run < 100; run++)
        {
            var order = ranker.Rank(peers, preferFastPeers: false);
            Assert.Equal(4, order.Count);
            Assert.DoesNotContain(peers[4], order);
            firsts.Add(order[0]);
        }
        Assert.Equal(4, firsts.Count);
    }

    [Fact]
    public void The_p90_latency_is_available_for_hedge_delays()
    {
        var statistics = new PeerStatistics(timeProvider: _time);
        var peer = TestPeers.Create(1);
        var ranker = new PeerRanker(statistics);
        Assert.Null(ranker.GetLatencyP90(peer));
        for (int i = 1; i <= 10; i++)
        {
            statistics.RecordSuccess(peer, TimeSpan.FromMilliseconds(i), 1, 0);
        }
        Assert.Equal(TimeSpan.FromMilliseconds(9), ranker.GetLatencyP90(peer));
    }
}
