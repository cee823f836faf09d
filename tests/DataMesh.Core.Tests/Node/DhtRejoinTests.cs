using DataMesh.Core.Node;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Core.Tests.Node;

/// <summary>A storage node started before its bootstrap peer (a fleet booting in any order) joins on its own.</summary>
public sealed class DhtRejoinTests
{
    [Fact]
    public async Task NodeStartedBeforeItsBootstrapPeer_JoinsWhenThePeerComesUp()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        CancellationToken ct = limit.Token;
        await using LocalMesh mesh = LocalMesh.Joined();
        var seedOptions = mesh.Options("seed") with { Network = mesh.Options("seed").Network with { ListenAddresses = ["/memory/4711"] } };
        Multiaddr seedAddress;
        await using (DataMeshNode firstRun = await DataMeshNode.StartAsync(seedOptions, new NodeStartOptions { InMemoryNetwork = mesh.Network }, cancellationToken: ct))
        {
            seedAddress = firstRun.ListenAddresses[0].WithPeerId(firstRun.PeerId); // same data dir, same identity later
        }

        DataMeshNode early = await DataMeshNode.StartAsync(mesh.Options("early"), new NodeStartOptions { InMemoryNetwork = mesh.Network }, cancellationToken: ct);
        mesh.StorageNodes.Add(early);
        PeerConnectResult attempt = Assert.Single(await early.BootstrapAsync([seedAddress], ct));
        Assert.False(attempt.Succeeded);
        Assert.Empty(early.Dht.RoutingTable);

        DataMeshNode seed = await DataMeshNode.StartAsync(seedOptions, new NodeStartOptions { InMemoryNetwork = mesh.Network }, cancellationToken: ct);
        mesh.StorageNodes.Add(seed);
        await Polling.WaitUntilAsync(() => early.Dht.RoutingTable.Count > 0); // rejoin backoff: 1 s (±50 %), doubling
        Assert.Contains(early.Dht.RoutingTable, e => e.Peer.Equals(seed.PeerId));
    }
}
