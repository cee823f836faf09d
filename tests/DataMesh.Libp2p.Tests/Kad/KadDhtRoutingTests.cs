using DataMesh.Libp2p.Kad;
using IdentityKey = DataMesh.Libp2p.Identity.Identity;

namespace DataMesh.Libp2p.Tests.Kad;

public sealed class KadDhtRoutingTests
{
    /// <summary>An identity whose key falls in bucket 0 of <paramref name="local"/> (first bit differs: half of all keys).</summary>
    private static IdentityKey InBucketZero(KadKey local)
    {
        while (true)
        {
            var identity = IdentityKey.Generate();
            if (local.CommonPrefixLength(KadDht.KeyOf(identity.PeerId)) == 0)
            {
                return identity;
            }
            identity.Dispose();
        }
    }

    [Fact]
    public async Task AFullBucketKeepsALiveMemberAndReplacesADeadOne()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        CancellationToken ct = limit.Token;
        await using var net = new KadTestNetwork();
        var (server, serverDht) = await net.AddNodeAsync(KadTestNetwork.DefaultOptions with { BucketSize = 1, LivenessTimeout = TimeSpan.FromSeconds(2) });
        using IdentityKey oldIdentity = InBucketZero(serverDht.LocalKey);
        using IdentityKey newIdentity = InBucketZero(serverDht.LocalKey);
        using IdentityKey thirdIdentity = InBucketZero(serverDht.LocalKey);

        var (old, _) = await net.AddNodeAsync(identity: oldIdentity);
        await old.DialAsync(KadTestNetwork.AddressOf(server), ct);
        await Polling.WaitUntilAsync(() => serverDht.RoutingTable.Any(e => e.Peer.Equals(old.PeerId)));
        DateTimeOffset oldLastSeen = serverDht.RoutingTable.Single(e => e.Peer.Equals(old.PeerId)).LastSeen;

        // The member is alive (connected): the newcomer's arrival checks it, which marks it seen, and the newcomer stays out.
        var (newcomer, _) = await net.AddNodeAsync(identity: newIdentity);
        await newcomer.DialAsync(KadTestNetwork.AddressOf(server), ct);
        await Polling.WaitUntilAsync(() => serverDht.RoutingTable.Any(e => e.Peer.Equals(old.PeerId) && e.LastSeen > oldLastSeen) && serverDht.PendingPeerChecks == 0);
        Assert.Equal([old.PeerId], serverDht.RoutingTable.Select(e => e.Peer));

        // The member dies: the next newcomer triggers a liveness check that fails, and replaces it.
        await net.StopAsync(1);
        var (third, _) = await net.AddNodeAsync(identity: thirdIdentity);
        await third.DialAsync(KadTestNetwork.AddressOf(server), ct);
        await Polling.WaitUntilAsync(() => serverDht.RoutingTable.Any(e => e.Peer.Equals(third.PeerId)));
        Assert.DoesNotContain(serverDht.RoutingTable, e => e.Peer.Equals(old.PeerId));
    }
}
