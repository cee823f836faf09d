using System.Text;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Kad;

namespace DataMesh.Libp2p.Tests.Kad;

/// <summary>The DHT does not rely on connections staying open: with every host trimming each idle connection after
/// a short grace period, routing-table peers are redialed from the peer store's addresses on demand.</summary>
public sealed class KadDhtConnectionTrimmingTests
{
    /// <summary>Every connection past a short grace period is over the watermarks, so every unprotected one is trimmed.</summary>
    private static readonly HostOptions TrimEverything = new()
    {
        ConnectionManager = new ConnectionManagerOptions
        {
            LowWatermark = 0,
            HighWatermark = 0,
            GracePeriod = TimeSpan.FromMilliseconds(200),
            CheckInterval = TimeSpan.FromMilliseconds(50),
        },
    };

    [Fact]
    public async Task LookupsPutAndGetWorkWhileHostsTrimEveryIdleConnection()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        CancellationToken ct = limit.Token;
        // No protected buckets: the point is that even the table's backbone can be trimmed and redialed.
        await using var net = new KadTestNetwork { HostOptions = TrimEverything, KadOptions = KadTestNetwork.DefaultOptions with { ProtectedBuckets = 0 } };
        await net.StartAsync(16, ct);

        // Let the managers close what bootstrap opened; the tables keep their peers.
        await Polling.WaitUntilAsync(() => net.Nodes.Sum(n => n.Host.Connections.Count) == 0);
        Assert.All(net.Nodes, n => Assert.True(n.Dht.RoutingTable.Count >= 8, $"table of {n.Dht.RoutingTable.Count}"));
        Assert.True(net.Nodes.Sum(n => n.Host.TrimmedConnections) > 0);

        byte[] target = net.Nodes[11].Host.PeerId.Bytes.ToArray();
        KadLookupResult lookup = await net.Nodes[2].Dht.LookupAsync(target, ct);
        Assert.Equal(net.Nodes[11].Host.PeerId, lookup.Closest[0]);
        Assert.Equal(0, lookup.Failures);

        byte[] key = Encoding.UTF8.GetBytes("/t/trimmed");
        Assert.True(await net.Nodes[4].Dht.PutValueAsync(key, "value"u8.ToArray(), ct) >= 12);
        Assert.Equal("value"u8.ToArray(), await net.Nodes[9].Dht.GetValueAsync(key, ct));
        IReadOnlyList<PeerId> closest = await net.Nodes[7].Dht.GetClosestPeersAsync(key, ct);
        Assert.True(closest.Count >= 12, $"{closest.Count} closest");
    }

    [Fact]
    public async Task MembersOfTheFarthestBucketsAreProtectedFromPressureTrimming()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        CancellationToken ct = limit.Token;
        await using var net = new KadTestNetwork { HostOptions = TrimEverything };
        await net.StartAsync(12, ct);

        (Libp2pHost host, KadDht dht) = net.Nodes[0];
        var protectedMembers = dht.RoutingTable.Where(e => e.BucketIndex < 2).Select(e => e.Peer).ToList();
        Assert.NotEmpty(protectedMembers); // with 11 random peers, about three quarters fall in buckets 0 and 1
        Assert.All(protectedMembers, p => Assert.True(host.IsProtected(p, KadDht.ProtectionTag)));
        Assert.All(dht.RoutingTable.Where(e => e.BucketIndex >= 2), e => Assert.False(host.IsProtected(e.Peer)));

        // Every unprotected connection goes; the protected members that are connected stay connected.
        var connectedProtected = protectedMembers.Where(host.IsConnected).ToList();
        Assert.NotEmpty(connectedProtected); // node 0 is everyone's bootstrap peer
        while (host.Connections.Any(c => !host.IsProtected(c.RemotePeer)))
        {
            await Task.Delay(50, ct);
        }
        Assert.All(connectedProtected, p => Assert.True(host.IsConnected(p)));

        await dht.DisposeAsync();
        Assert.All(protectedMembers, p => Assert.False(host.IsProtected(p)));
    }
}
