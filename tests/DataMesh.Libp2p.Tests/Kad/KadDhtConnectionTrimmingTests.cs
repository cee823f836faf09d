using System.Text;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Kad;

namespace DataMesh.Libp2p.Tests.Kad;

/// <summary>The DHT does not rely on connections staying open: with every host trimming each idle connection after
/// a short grace period, routing-table peers are redialed from the peer store's addresses on demand.</summary>
public sealed class KadDhtConnectionTrimmingTests
{
    [Fact]
    public async Task LookupsPutAndGetWorkWhileHostsTrimEveryIdleConnection()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        CancellationToken ct = limit.Token;
        var trimEverything = new HostOptions
        {
            ConnectionManager = new ConnectionManagerOptions
            {
                LowWatermark = 0,
                HighWatermark = 0,
                GracePeriod = TimeSpan.FromMilliseconds(200),
                CheckInterval = TimeSpan.FromMilliseconds(50),
            },
        };
        await using var net = new KadTestNetwork { HostOptions = trimEverything };
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
}
