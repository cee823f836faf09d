using DataMesh.Libp2p.Kad;
using DataMesh.Libp2p.Multiformats;
using Microsoft.Extensions.Time.Testing;

namespace DataMesh.Libp2p.Tests.Kad;

public sealed class KadDhtRejoinTests
{
    [Fact]
    public async Task ANodeWhoseBootstrapPeerWasDownJoinsOnItsOwnOnceThePeerComesUp()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        CancellationToken ct = limit.Token;
        await using var net = new KadTestNetwork();
        using var seedIdentity = DataMesh.Libp2p.Identity.Identity.Generate();
        Multiaddr seedAddress = Multiaddr.Parse("/memory/4242").WithPeerId(seedIdentity.PeerId);
        var (_, early) = await net.AddNodeAsync(); // maintenance ticks hourly: only the rejoin backoff can help it

        var failure = await Assert.ThrowsAsync<KadException>(() => early.BootstrapAsync([seedAddress], ct));
        Assert.Contains("No bootstrap peer could be reached", failure.Message, StringComparison.Ordinal);
        Assert.Empty(early.RoutingTable);
        Assert.Equal([seedAddress], early.BootstrapPeers);

        var (seedHost, _) = await net.AddNodeAsync(identity: seedIdentity, port: 4242);
        // The backoff starts at 1 s (±50 %) and doubles: the join comes within seconds.
        await Polling.WaitUntilAsync(() => early.RoutingTable.Count > 0);
        Assert.Contains(early.RoutingTable, e => e.Peer.Equals(seedHost.PeerId));
    }

    [Fact]
    public async Task RememberedBootstrapPeersAreBoundedAndDeduplicated()
    {
        await using var net = new KadTestNetwork();
        var (_, dht) = await net.AddNodeAsync();
        Multiaddr[] peers = [.. Enumerable.Range(0, KadDht.MaxBootstrapPeers + 10)
            .Select(i => Multiaddr.Parse($"/memory/{9000 + i}").WithPeerId(DataMesh.Libp2p.Identity.Identity.Generate().PeerId))];
        dht.AddBootstrapPeers(peers.Take(3));
        dht.AddBootstrapPeers(peers);
        Assert.Equal(peers.Take(KadDht.MaxBootstrapPeers), dht.BootstrapPeers);
    }

    [Fact]
    public void RejoinBackoffDoublesFromOneSecondUpToItsCeilingWithJitter()
    {
        var backoff = new RejoinBackoff(TimeSpan.FromSeconds(10));
        var random = new Random(7);
        double[] nominal = [1, 2, 4, 8, 10, 10];
        foreach (double seconds in nominal)
        {
            TimeSpan delay = backoff.Next(random);
            Assert.InRange(delay.TotalSeconds, Math.Min(seconds * 0.5, 10), Math.Min(seconds * 1.5, 10));
        }
        backoff.Reset();
        Assert.InRange(backoff.Next(random).TotalSeconds, 0.5, 1.5);
    }

    [Fact]
    public async Task WakeSignalCutsASleepShortAndRemembersASetBeforeTheWait()
    {
        var time = new FakeTimeProvider();
        var signal = new WakeSignal();
        Task<bool> sleeping = signal.WaitAsync(TimeSpan.FromMinutes(1), time, CancellationToken.None);
        Assert.False(sleeping.IsCompleted);
        signal.Set();
        Assert.True(await sleeping);

        signal.Set();
        Assert.True(await signal.WaitAsync(TimeSpan.FromMinutes(1), time, CancellationToken.None));

        Task<bool> timed = signal.WaitAsync(TimeSpan.FromMinutes(1), time, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(await timed);
    }
}
