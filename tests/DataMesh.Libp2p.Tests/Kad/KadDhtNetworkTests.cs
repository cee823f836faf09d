using System.Text;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Kad;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Tests.Kad;

public sealed class KadDhtNetworkTests
{
    private static CancellationToken Limit(int seconds = 30) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task ThirtyNodesBootstrapFindPeersPutGetAndProvide()
    {
        CancellationToken ct = Limit(60);
        await using var net = new KadTestNetwork();
        await net.StartAsync(30, ct);
        Assert.All(net.Nodes, n => Assert.True(n.Dht.RoutingTable.Count >= 10, $"table of {n.Dht.RoutingTable.Count}"));

        // FIND_NODE: a node not connected to the sought one still finds its address.
        var (_, finder) = net.Nodes[29];
        var sought = net.Nodes[5].Host;
        IReadOnlyList<Multiaddr> found = await finder.FindPeerAsync(sought.PeerId, ct);
        Assert.Contains(sought.ListenAddresses[0], found);

        // The closest peers of a key agree with the ground truth over all nodes.
        byte[] key = Encoding.UTF8.GetBytes("/t/some-record");
        IReadOnlyList<PeerId> closest = await net.Nodes[3].Dht.GetClosestPeersAsync(key, ct);
        KadKey target = KadKey.Hash(key);
        var truth = net.Nodes.Select(n => n.Host.PeerId).Where(p => !p.Equals(net.Nodes[3].Host.PeerId))
            .OrderBy(p => KadDht.KeyOf(p).Xor(target)).Take(20).ToList();
        Assert.Equal(truth.Take(5), closest.Take(5));

        // PUT on the k closest, GET from elsewhere.
        int stored = await net.Nodes[1].Dht.PutValueAsync(key, "hello"u8.ToArray(), ct);
        Assert.True(stored >= 15, $"{stored} replicas");
        Assert.Equal("hello"u8.ToArray(), await net.Nodes[17].Dht.GetValueAsync(key, ct));
        await Assert.ThrowsAsync<KadNotFoundException>(() => net.Nodes[17].Dht.GetValueAsync(Encoding.UTF8.GetBytes("/t/missing"), ct));
        await Assert.ThrowsAsync<RecordRejectedException>(() => net.Nodes[1].Dht.PutValueAsync(Encoding.UTF8.GetBytes("/nope/x"), new byte[1], ct));

        // Providers.
        byte[] content = "content-id"u8.ToArray();
        Assert.True(await net.Nodes[8].Dht.ProvideAsync(content, ct) >= 15);
        var providers = new List<ProviderInfo>();
        await foreach (ProviderInfo p in net.Nodes[22].Dht.FindProvidersAsync(content, 5, ct))
        {
            providers.Add(p);
        }
        ProviderInfo provider = Assert.Single(providers);
        Assert.Equal(net.Nodes[8].Host.PeerId, provider.PeerId);
        Assert.Contains(net.Nodes[8].Host.ListenAddresses[0], provider.Addresses);
    }

    [Fact]
    public async Task ACidProviderKeyIsPlacedByItsMultihashAndFoundByEitherForm()
    {
        CancellationToken ct = Limit(60);
        await using var net = new KadTestNetwork();
        await net.StartAsync(30, ct);
        Multihash blake3 = Multihash.FromDigest(Multihash.Blake3Code, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        byte[] cid = Cid.V1(Cid.RawCodec, blake3).Bytes.ToArray();

        Assert.True(await net.Nodes[4].Dht.ProvideAsync(cid, ct) >= 15);
        // The announcement went to the peers closest to SHA-256 of the multihash, where js and go look for it.
        KadKey position = KadKey.Hash(blake3.Bytes.Span);
        var closest = net.Nodes.Where(n => !n.Host.PeerId.Equals(net.Nodes[4].Host.PeerId))
            .OrderBy(n => KadDht.KeyOf(n.Host.PeerId).Xor(position)).Take(5).ToList();
        // ADD_PROVIDER has no answer: a receiver stores the record after the sender has moved on.
        await Polling.WaitUntilAsync(() => closest.All(n => n.Dht.Providers.Get(cid).Count == 1), cancellationToken: ct);

        // Asked for by the bare multihash (how js asks) or by the CID, it is the same record.
        foreach (byte[] asked in new[] { blake3.Bytes.ToArray(), cid })
        {
            var providers = new List<ProviderInfo>();
            await foreach (ProviderInfo p in net.Nodes[19].Dht.FindProvidersAsync(asked, 1, ct))
            {
                providers.Add(p);
            }
            Assert.Equal(net.Nodes[4].Host.PeerId, Assert.Single(providers).PeerId);
        }
    }

    [Fact]
    public async Task SignedRecordsFromTheOwnerReplaceOlderOnesAndForgeriesAreRefused()
    {
        CancellationToken ct = Limit();
        await using var net = new KadTestNetwork();
        await net.StartAsync(8, ct);
        using var owner = DataMesh.Libp2p.Identity.Identity.Generate();
        (byte[] key, byte[] v1) = SignedRecord.Create(owner, "profile", 1, "v1"u8);
        (_, byte[] v2) = SignedRecord.Create(owner, "profile", 2, "v2"u8);
        Assert.True(await net.Nodes[1].Dht.PutValueAsync(key, v1, ct) >= 5);
        Assert.True(await net.Nodes[2].Dht.PutValueAsync(key, v2, ct) >= 5);
        Assert.Equal(v2, await net.Nodes[6].Dht.GetValueAsync(key, ct));
        // An older version is refused: locally by a node holding the newer one, remotely by every peer holding it.
        Assert.Contains("better record", (await Assert.ThrowsAsync<RecordRejectedException>(() => net.Nodes[3].Dht.PutValueAsync(key, v1, ct))).Reason, StringComparison.Ordinal);
        var (_, newcomer) = await net.AddNodeAsync();
        await newcomer.BootstrapAsync([KadTestNetwork.AddressOf(net.Nodes[0].Host)], ct);
        Assert.Equal(0, await newcomer.PutValueAsync(key, v1, ct));

        using var intruder = DataMesh.Libp2p.Identity.Identity.Generate();
        (_, byte[] forged) = SignedRecord.Create(intruder, "profile", 99, "evil"u8);
        await Assert.ThrowsAsync<RecordRejectedException>(() => net.Nodes[4].Dht.PutValueAsync(key, forged, ct));
    }

    [Fact]
    public async Task ClientModeNodesAskButAreNeverAddedToTables()
    {
        CancellationToken ct = Limit();
        await using var net = new KadTestNetwork();
        await net.StartAsync(5, ct);
        var (clientHost, client) = await net.AddNodeAsync(KadTestNetwork.DefaultOptions with { Mode = KadMode.Client });
        await client.BootstrapAsync([KadTestNetwork.AddressOf(net.Nodes[0].Host)], ct);
        Assert.DoesNotContain(KadTestNetwork.DefaultOptions.ProtocolId, clientHost.Protocols);
        Assert.True(client.RoutingTable.Count >= 4);
        Assert.True(await client.PutValueAsync(Encoding.UTF8.GetBytes("/t/c"), "x"u8.ToArray(), ct) >= 4);
        // Each server decides on the client once the client's Identify answer is in: wait for those decisions.
        await Polling.WaitUntilAsync(() => net.Nodes.Take(5).All(n =>
            n.Host.Connections.Where(c => c.RemotePeer.Equals(clientHost.PeerId)).All(c => c.Identified.IsCompleted) && n.Dht.PendingPeerChecks == 0));
        Assert.All(net.Nodes.Take(5), n => Assert.DoesNotContain(n.Dht.RoutingTable, e => e.Peer.Equals(clientHost.PeerId)));
    }

    [Fact]
    public async Task StoresSurviveARestartOnDisk()
    {
        CancellationToken ct = Limit();
        using var temp = new TempDirectory("kad-restart");
        string directory = temp.Combine("dht");
        await using var net = new KadTestNetwork();
        await net.StartAsync(4, ct);
        using var identity = DataMesh.Libp2p.Identity.Identity.Generate();
        KadOptions diskOptions = KadTestNetwork.DefaultOptions with { DataDirectory = directory };
        var (_, first) = await net.AddNodeAsync(diskOptions, identity, port: 5000);
        await first.BootstrapAsync([KadTestNetwork.AddressOf(net.Nodes[0].Host)], ct);
        byte[] key = Encoding.UTF8.GetBytes("/t/persisted");
        await first.PutValueAsync(key, "kept"u8.ToArray(), ct);
        await first.ProvideAsync("thing"u8.ToArray(), ct);
        await net.StopAsync(4);
        net.Nodes.RemoveAt(4);

        // Same identity, same directory: our record and our provider entry are back, still ours to republish.
        var (_, second) = await net.AddNodeAsync(diskOptions, identity, port: 5001);
        Assert.True(second.Records.Get(key)!.IsLocal);
        Assert.Single(second.Providers.LocalKeys());
        await second.BootstrapAsync([KadTestNetwork.AddressOf(net.Nodes[0].Host)], ct);
        Assert.Equal("kept"u8.ToArray(), await second.GetValueAsync(key, ct));
    }
}
