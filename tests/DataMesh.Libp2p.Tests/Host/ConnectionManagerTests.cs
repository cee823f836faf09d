using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Yamux;
using Microsoft.Extensions.Time.Testing;

namespace DataMesh.Libp2p.Tests.Host;

/// <summary>The connection manager wired into real hosts over the in-memory transport. The dialing host runs on a
/// fake clock (so grace periods and idle times are exact); its keep-alive pings are off so advancing that clock
/// does not time them out.</summary>
public sealed class ConnectionManagerTests
{
    private static CancellationToken Timeout(int seconds = 20) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    private static HostOptions Options(int low, int high, TimeSpan? idle = null) => new()
    {
        Yamux = new YamuxOptions { KeepAliveInterval = null },
        ConnectionManager = new ConnectionManagerOptions { LowWatermark = low, HighWatermark = high, GracePeriod = TimeSpan.FromMinutes(1), IdleTimeout = idle },
    };

    private static async Task<(Libp2pHost Dialer, FakeTimeProvider Time, Libp2pHost[] Peers)> ConnectAsync(HostTestKit kit, HostOptions options, int peers)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        Libp2pHost dialer = await kit.StartHostAsync(options, time);
        var remotes = new Libp2pHost[peers];
        for (int i = 0; i < peers; i++)
        {
            remotes[i] = await kit.StartHostAsync();
            Connection connection = await dialer.DialAsync(HostTestKit.AddressOf(remotes[i]), Timeout());
            await connection.Identified.WaitAsync(Timeout());
        }
        await WaitIdleAsync(dialer);
        return (dialer, time, remotes);
    }

    private static async Task EchoAsync(Libp2pHost from, Libp2pHost to)
    {
        await using Libp2pStream stream = await from.OpenStreamAsync(to.PeerId, HostTestKit.EchoProtocol, Timeout());
        Assert.Equal([1, 2, 3], await EchoStreams.EchoThroughAsync(stream, [1, 2, 3], Timeout()));
    }

    /// <summary>Streams are counted until both sides closed them; wait for the in-memory FINs to land.</summary>
    private static Task WaitIdleAsync(Libp2pHost host) => Polling.WaitUntilAsync(() => host.Connections.All(c => c.ActiveStreamCount == 0));

    private static string[] Sorted(params PeerId[] peers) => [.. peers.Select(p => p.ToString()).Order(StringComparer.Ordinal)];

    private static HashSet<PeerId> ConnectedPeers(Libp2pHost host) => [.. host.Connections.Where(c => !c.IsClosed).Select(c => c.RemotePeer)];

    [Fact]
    public async Task OverTheHighWatermark_TheLeastRecentlyUsedIdleConnectionsAreClosedDownToTheLowWatermark()
    {
        await using var kit = new HostTestKit();
        (Libp2pHost dialer, FakeTimeProvider time, Libp2pHost[] peers) = await ConnectAsync(kit, Options(low: 2, high: 3), peers: 5);
        // Use order 3, 0, 4, 1, 2: the two most recently used are 1 and 2.
        foreach (int i in new[] { 3, 0, 4, 1, 2 })
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await EchoAsync(dialer, peers[i]);
        }
        await WaitIdleAsync(dialer);
        Assert.Equal(0, await dialer.TrimConnectionsAsync(Timeout())); // everyone is still in the grace period

        time.Advance(TimeSpan.FromMinutes(2));
        await dialer.TrimConnectionsAsync(Timeout()); // the periodic check may have run first: the outcome is the same

        Assert.Equal(Sorted(peers[1].PeerId, peers[2].PeerId), Sorted([.. ConnectedPeers(dialer)]));
        Assert.Equal(3, dialer.TrimmedConnections);
    }

    [Fact]
    public async Task AConnectionWithAnOpenStreamIsProtected_AndTrimmedOnceTheStreamCloses()
    {
        await using var kit = new HostTestKit();
        (Libp2pHost dialer, FakeTimeProvider time, Libp2pHost[] peers) = await ConnectAsync(kit, Options(low: 0, high: 0), peers: 2);
        Libp2pStream busy = await dialer.OpenStreamAsync(peers[0].PeerId, HostTestKit.EchoProtocol, Timeout());
        time.Advance(TimeSpan.FromMinutes(2));
        await dialer.TrimConnectionsAsync(Timeout());

        Assert.Equal([peers[0].PeerId], ConnectedPeers(dialer));
        Assert.Equal([9], await EchoStreams.EchoThroughAsync(busy, [9], Timeout())); // the protected stream still works
        await busy.DisposeAsync();
        await WaitIdleAsync(dialer);

        await dialer.TrimConnectionsAsync(Timeout());
        Assert.Empty(ConnectedPeers(dialer));
    }

    [Fact]
    public async Task TheIdleTimeoutClosesUnusedConnectionsUnderTheWatermarks()
    {
        await using var kit = new HostTestKit();
        (Libp2pHost dialer, FakeTimeProvider time, Libp2pHost[] peers) = await ConnectAsync(kit, Options(low: 10, high: 20, idle: TimeSpan.FromMinutes(5)), peers: 2);
        time.Advance(TimeSpan.FromMinutes(4));
        await EchoAsync(dialer, peers[1]);
        await WaitIdleAsync(dialer);
        time.Advance(TimeSpan.FromMinutes(2)); // peer 0 unused for 6 min, peer 1 for 2 min
        await dialer.TrimConnectionsAsync(Timeout());

        Assert.Equal([peers[1].PeerId], ConnectedPeers(dialer));
    }

    [Fact]
    public async Task ATrimmedPeerIsRedialedOnDemandFromThePeerStore()
    {
        await using var kit = new HostTestKit();
        (Libp2pHost dialer, FakeTimeProvider time, Libp2pHost[] peers) = await ConnectAsync(kit, Options(low: 0, high: 0), peers: 1);
        time.Advance(TimeSpan.FromMinutes(2));
        await dialer.TrimConnectionsAsync(Timeout());
        Assert.False(dialer.IsConnected(peers[0].PeerId));

        await EchoAsync(dialer, peers[0]);

        Assert.True(dialer.IsConnected(peers[0].PeerId));
    }

    [Fact]
    public async Task TheRemoteSideSeesATrimmedConnectionClose()
    {
        await using var kit = new HostTestKit();
        (Libp2pHost dialer, FakeTimeProvider time, Libp2pHost[] peers) = await ConnectAsync(kit, Options(low: 0, high: 0), peers: 1);
        Connection inbound = peers[0].GetConnection(dialer.PeerId) ?? throw new InvalidOperationException("no inbound connection");
        time.Advance(TimeSpan.FromMinutes(2));
        await dialer.TrimConnectionsAsync(Timeout());

        await inbound.Completion.WaitAsync(Timeout());
        Assert.False(peers[0].IsConnected(dialer.PeerId));
    }
}
