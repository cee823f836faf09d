using DataMesh.Core.Peers;
using DataMesh.Core.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace DataMesh.Core.Tests.Peers;

public sealed class PeerStatisticsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Counts_bytes_latency_and_success_rate()
    {
        var statistics = new PeerStatistics(timeProvider: _time);
        var peer = TestPeers.Create(1);
        for (int i = 1; i <= 10; i++)
        {
            statistics.RecordSuccess(peer, TimeSpan.FromMilliseconds(i * 10), bytesReceived: 1000, bytesSent: 10);
        }
        statistics.RecordFailure(peer);
        statistics.RecordTimeout(peer);

        Assert.True(statistics.TryGetSnapshot(peer, out var s));
        Assert.Equal(12, s!.Requests);
        Assert.Equal(10, s.Successes);
        Assert.Equal(1, s.Failures);
        Assert.Equal(1, s.Timeouts);
        Assert.Equal(10_000, s.BytesReceived);
        Assert.Equal(100, s.BytesSent);
        Assert.Equal(10.0 / 12, s.SuccessRate, 6);
        Assert.Equal(TimeSpan.FromMilliseconds(50), s.LatencyP50);
        Assert.Equal(TimeSpan.FromMilliseconds(90), s.LatencyP90);
        Assert.Equal(TimeSpan.FromMilliseconds(100), s.LatencyP99);
        // The moving average leans to recent samples: above the mean of 55 ms, below the last 100 ms.
        Assert.InRange(s.Latency.TotalMilliseconds, 56, 99);
        Assert.True(s.Throughput > 0);
        Assert.Equal(_time.GetUtcNow(), s.LastSeen);
        Assert.True(s.IsResponsive);
        Assert.Null(s.BannedUntil);
    }

    [Fact]
    public void Percentiles_use_a_bounded_window_of_recent_samples()
    {
        var statistics = new PeerStatistics(new PeerStatisticsOptions { LatencySampleWindow = 4 }, _time);
        var peer = TestPeers.Create(1);
        foreach (int ms in new[] { 1000, 1000, 1000, 10, 20, 30, 40 })
        {
            statistics.RecordSuccess(peer, TimeSpan.FromMilliseconds(ms), 1, 0);
        }

        Assert.True(statistics.TryGetSnapshot(peer, out var s));
        Assert.Equal(TimeSpan.FromMilliseconds(40), s!.LatencyP99);
        Assert.Equal(TimeSpan.FromMilliseconds(20), s.LatencyP50);
    }

    [Fact]
    public void Corrupt_data_bans_the_peer_until_the_ban_expires()
    {
        var statistics = new PeerStatistics(new PeerStatisticsOptions { BanDuration = TimeSpan.FromMinutes(5) }, _time);
        var peer = TestPeers.Create(1);
        statistics.RecordSuccess(peer, TimeSpan.FromMilliseconds(5), 1, 0);

        statistics.RecordCorrupt(peer);

        Assert.True(statistics.IsBanned(peer));
        Assert.True(statistics.TryGetSnapshot(peer, out var banned));
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(5), banned!.BannedUntil);
        Assert.Equal(1, banned.CorruptResponses);
        Assert.False(banned.IsResponsive);

        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromTicks(1));

        Assert.False(statistics.IsBanned(peer));
        Assert.True(statistics.TryGetSnapshot(peer, out var released));
        Assert.Null(released!.BannedUntil);
    }

    [Fact]
    public void Manual_ban_and_unban()
    {
        var statistics = new PeerStatistics(timeProvider: _time);
        var peer = TestPeers.Create(1);
        statistics.Ban(peer, TimeSpan.FromHours(1));
        Assert.True(statistics.IsBanned(peer));
        statistics.Unban(peer);
        Assert.False(statistics.IsBanned(peer));
    }

    [Fact]
    public void Responsiveness_needs_recent_success_and_a_good_recent_success_rate()
    {
        var statistics = new PeerStatistics(new PeerStatisticsOptions { ResponsiveWithin = TimeSpan.FromMinutes(1) }, _time);
        var quiet = TestPeers.Create(1);
        var failing = TestPeers.Create(2);
        statistics.RecordSuccess(quiet, TimeSpan.FromMilliseconds(5), 1, 0);
        statistics.RecordSuccess(failing, TimeSpan.FromMilliseconds(5), 1, 0);
        for (int i = 0; i < 10; i++)
        {
            statistics.RecordFailure(failing);
        }

        Assert.True(Snapshot(statistics, quiet).IsResponsive);
        Assert.False(Snapshot(statistics, failing).IsResponsive);

        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.False(Snapshot(statistics, quiet).IsResponsive);
    }

    [Fact]
    public void The_registry_is_bounded_and_forgets_the_least_recently_seen_peer_banned_ones_last()
    {
        var statistics = new PeerStatistics(new PeerStatisticsOptions { MaxTrackedPeers = 3 }, _time);
        var peers = TestPeers.CreateMany(4);
        statistics.RecordCorrupt(peers[0]); // oldest, but banned
        _time.Advance(TimeSpan.FromSeconds(1));
        statistics.RecordSuccess(peers[1], TimeSpan.FromMilliseconds(1), 1, 0);
        _time.Advance(TimeSpan.FromSeconds(1));
        statistics.RecordSuccess(peers[2], TimeSpan.FromMilliseconds(1), 1, 0);
        _time.Advance(TimeSpan.FromSeconds(1));

        statistics.RecordSuccess(peers[3], TimeSpan.FromMilliseconds(1), 1, 0);

        Assert.Equal(3, statistics.Count);
        Assert.True(statistics.IsBanned(peers[0]));
        Assert.False(statistics.TryGetSnapshot(peers[1], out _));
        Assert.True(statistics.TryGetSnapshot(peers[3], out _));
    }

    [Fact]
    public async Task Concurrent_updates_are_all_counted()
    {
        var statistics = new PeerStatistics(timeProvider: _time);
        var peers = TestPeers.CreateMany(4);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                var peer = peers[(worker + i) % peers.Length];
                if (i % 4 == 0)
                {
                    statistics.RecordFailure(peer);
                }
                else
                {
                    statistics.RecordSuccess(peer, TimeSpan.FromMilliseconds(i % 50), 10, 0);
                }
            }
        })));

        var all = statistics.GetSnapshots();
        Assert.Equal(8000, all.Sum(s => s.Requests));
        Assert.Equal(2000, all.Sum(s => s.Failures));
        Assert.Equal(60_000, all.Sum(s => s.BytesReceived));
    }

    [Fact]
    public void Invalid_options_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PeerStatistics(new PeerStatisticsOptions { MaxTrackedPeers = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PeerStatistics(new PeerStatisticsOptions { SmoothingFactor = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PeerStatistics(new PeerStatisticsOptions { LatencySampleWindow = 100_000 }));
    }

    private static PeerStatsSnapshot Snapshot(PeerStatistics statistics, Libp2p.Identity.PeerId peer)
    {
        Assert.True(statistics.TryGetSnapshot(peer, out var snapshot));
        return snapshot!;
    }
}
