using DataMesh.Libp2p.Host;
using Microsoft.Extensions.Time.Testing;

namespace DataMesh.Libp2p.Tests.Host;

public sealed class ConnectionTrimmerTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static (ConnectionTrimmer Trimmer, FakeTimeProvider Time) Create(int low, int high, TimeSpan? grace = null, TimeSpan? idle = null)
    {
        var time = new FakeTimeProvider(Start);
        var options = new ConnectionManagerOptions { LowWatermark = low, HighWatermark = high, GracePeriod = grace ?? TimeSpan.FromMinutes(1), IdleTimeout = idle };
        return (new ConnectionTrimmer(options, time), time);
    }

    /// <summary>Connection i opened at Start and was last used i seconds later.</summary>
    private static List<ConnectionActivity<int>> Connections(int count, Func<int, int>? streams = null) =>
        [.. Enumerable.Range(0, count).Select(i => new ConnectionActivity<int>(i, Start, Start.AddSeconds(i), streams?.Invoke(i) ?? 0))];

    [Fact]
    public void AtOrBelowTheHighWatermarkNothingIsClosed()
    {
        (ConnectionTrimmer trimmer, FakeTimeProvider time) = Create(low: 2, high: 5);
        time.Advance(TimeSpan.FromHours(1));
        Assert.Empty(trimmer.SelectForClosing(Connections(5)));
        Assert.False(trimmer.IsOverHighWatermark(5));
        Assert.True(trimmer.IsOverHighWatermark(6));
    }

    [Fact]
    public void OverTheHighWatermarkTheLeastRecentlyUsedAreClosedDownToTheLowWatermark()
    {
        (ConnectionTrimmer trimmer, FakeTimeProvider time) = Create(low: 3, high: 5);
        time.Advance(TimeSpan.FromMinutes(5));
        List<ConnectionActivity<int>> connections = Connections(8);
        connections.Reverse(); // input order must not matter
        Assert.Equal([0, 1, 2, 3, 4], trimmer.SelectForClosing(connections));
        Assert.Equal(5, trimmer.TrimmedTotal);
    }

    [Fact]
    public void ConnectionsWithOpenStreamsAndRecentTrafficAreNeverClosed()
    {
        (ConnectionTrimmer trimmer, FakeTimeProvider time) = Create(low: 1, high: 2);
        time.Advance(TimeSpan.FromMinutes(5));
        DateTimeOffset now = time.GetUtcNow();
        // 0, 1 and 3 have streams open that carried data just now: only 2 and 4 are idle, so the count cannot reach
        // the low watermark.
        List<ConnectionActivity<int>> connections = [.. Connections(5, i => i is 0 or 1 or 3 ? 1 : 0)
            .Select(c => c.ActiveStreams > 0 ? c with { LastTraffic = now } : c)];
        IReadOnlyList<int> closed = trimmer.SelectForClosing(connections);
        Assert.Equal([2, 4], closed);
    }

    [Fact]
    public void UnderPressureInboundConnectionsWhoseStreamsAreAllIdleAreClosedAfterTheIdleOnes()
    {
        (ConnectionTrimmer trimmer, FakeTimeProvider time) = Create(low: 1, high: 3);
        time.Advance(TimeSpan.FromMinutes(5));
        DateTimeOffset now = time.GetUtcNow();
        List<ConnectionActivity<int>> connections =
        [
            new(0, Start, Start, 1, LastTraffic: Start.AddMinutes(1)),                 // stale stream, inbound
            new(1, Start, Start, 1, LastTraffic: Start),                               // staler stream, inbound
            new(2, Start, Start.AddMinutes(4), 0),                                     // idle: goes first
            new(3, Start, Start, 1, LastTraffic: now.AddSeconds(-10)),                 // recent traffic: kept
            new(4, Start, Start, 1, LastTraffic: Start, ConnectionDirection.Outbound), // our own, in use: kept
            new(5, Start, Start, 1, LastTraffic: Start, Protected: true),              // protected: kept
        ];
        Assert.Equal([2, 1, 0], trimmer.SelectForClosing(connections));
    }

    [Fact]
    public void WithoutPressureConnectionsWithIdleStreamsStay()
    {
        (ConnectionTrimmer trimmer, FakeTimeProvider time) = Create(low: 5, high: 10, idle: TimeSpan.FromMinutes(1));
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(trimmer.SelectForClosing(Connections(3, _ => 1)));
    }

    [Fact]
    public void RoomForANewcomerIsMadeFromTheLeastUsefulEvenUnderTheHighWatermark()
    {
        (ConnectionTrimmer trimmer, FakeTimeProvider time) = Create(low: 5, high: 10);
        time.Advance(TimeSpan.FromMinutes(5));
        List<ConnectionActivity<int>> connections = [.. Connections(4, _ => 1)];
        Assert.Equal([0], trimmer.SelectForClosing(connections, room: 1));
        Assert.Equal([0, 1], trimmer.SelectForClosing(connections, room: 2));
    }

    [Fact]
    public void ProtectedPeersAreKeptUnderPressureButNotPastTheIdleTimeout()
    {
        (ConnectionTrimmer trimmer, FakeTimeProvider time) = Create(low: 0, high: 1, idle: TimeSpan.FromMinutes(10));
        List<ConnectionActivity<int>> connections =
        [
            new(0, Start, Start, 0, Protected: true),
            new(1, Start, Start.AddMinutes(1), 0, Protected: true),
            new(2, Start, Start.AddMinutes(2), 0),
        ];
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal([2], trimmer.SelectForClosing(connections));
        time.Advance(TimeSpan.FromMinutes(5.5));
        Assert.Equal([0, 2], trimmer.SelectForClosing(connections));
    }

    [Fact]
    public void ConnectionsInTheirGracePeriodAreKeptEvenWhenRoomIsNeeded()
    {
        (ConnectionTrimmer trimmer, FakeTimeProvider time) = Create(low: 0, high: 10, grace: TimeSpan.FromMinutes(1));
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(trimmer.SelectForClosing(Connections(3), room: 1));
    }

    [Fact]
    public void ConnectionsInTheirGracePeriodAreKept()
    {
        (ConnectionTrimmer trimmer, FakeTimeProvider time) = Create(low: 0, high: 1, grace: TimeSpan.FromMinutes(1));
        List<ConnectionActivity<int>> connections =
        [
            new(0, Start, Start, 0),
            new(1, Start.AddSeconds(5), Start.AddSeconds(5), 0),
            new(2, Start.AddSeconds(50), Start.AddSeconds(50), 0),
        ];
        time.Advance(TimeSpan.FromSeconds(70)); // 0 and 1 are past the grace period, 2 is not
        Assert.Equal([0, 1], trimmer.SelectForClosing(connections));
    }

    [Fact]
    public void TheIdleTimeoutClosesUnusedConnectionsBelowTheWatermarks()
    {
        (ConnectionTrimmer trimmer, FakeTimeProvider time) = Create(low: 10, high: 20, idle: TimeSpan.FromMinutes(2));
        List<ConnectionActivity<int>> connections =
        [
            new(0, Start, Start, 0),
            new(1, Start, Start.AddMinutes(2), 0),
            new(2, Start, Start, 1), // long unused but a stream is open
        ];
        time.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal([0], trimmer.SelectForClosing(connections));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal([0, 1], trimmer.SelectForClosing(connections));
    }

    [Fact]
    public void WithoutIdleTimeoutIdleConnectionsUnderTheWatermarkStay()
    {
        (ConnectionTrimmer trimmer, FakeTimeProvider time) = Create(low: 1, high: 3);
        time.Advance(TimeSpan.FromDays(30));
        Assert.Empty(trimmer.SelectForClosing(Connections(3)));
    }

    [Theory]
    [InlineData(-1, 5)]
    [InlineData(6, 5)]
    public void InvalidWatermarksAreRefused(int low, int high)
    {
        var options = new HostOptions { ConnectionManager = new ConnectionManagerOptions { LowWatermark = low, HighWatermark = high } };
        Assert.Throws<ArgumentOutOfRangeException>(() => new Libp2pHost(DataMesh.Libp2p.Identity.Identity.Generate(), [new DataMesh.Libp2p.Transports.InMemoryTransport(new())], options));
    }
}
