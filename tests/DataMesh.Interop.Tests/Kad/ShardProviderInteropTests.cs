using System.Security.Cryptography;
using DataMesh.Core.Configuration;
using DataMesh.Core.Dht;
using DataMesh.Core.Exchange;
using DataMesh.Interop.Tests.Harness;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Kad;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Storage.Addressing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace DataMesh.Interop.Tests.Kad;

/// <summary>Shard provider records between DataMesh nodes (the node's DHT settings, its announcer and its peer
/// directory) and js-libp2p kad-dht nodes: js keeps and finds what DataMesh announced, DataMesh finds what js
/// announced, both naming a shard by the CIDv1 (raw, BLAKE3-256) of its hash.</summary>
[Trait("Category", "Interop")]
public sealed class ShardProviderInteropTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dm-interop-providers-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>The shard's CID as js prints and parses it.</summary>
    private static string CidText(ContentHash shard) =>
        Cid.V1(Cid.RawCodec, Multihash.FromDigest(Multihash.Blake3Code, shard.ToArray())).ToString();

    [Fact]
    public async Task JsFindsShardsDataMeshAnnouncedAndDataMeshFindsShardsJsAnnounced()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        CancellationToken ct = limit.Token;
        await using MixedKadNetwork network = await MixedKadNetwork.StartAsync(4, 3,
            i => new JsNodeOptions { Kad = true, AgentVersion = $"js-kad-{i}", StandardErrorLine = output.WriteLine },
            i => new DataMeshOptions().ToKadOptions(Path.Combine(_root, $"cs{i}"), storageEnabled: true) with { RequestTimeout = TimeSpan.FromSeconds(5) },
            ct);
        List<JsNode> jsNodes = network.JsNodes;
        List<(Libp2pHost Host, KadDht Dht)> csNodes = network.CsNodes;

        // js → DataMesh: a js node provides a shard's CID; a DataMesh node's directory lists it among the holders.
        ContentHash jsShard = ContentHash.Compute(RandomNumberGenerator.GetBytes(256));
        JsNode jsHolder = jsNodes[2];
        Assert.Equal(CidText(jsShard), await jsHolder.ProvideAsync(CidText(jsShard), cancellationToken: ct));
        foreach ((Libp2pHost host, KadDht dht) in csNodes)
        {
            var directory = new DhtPeerDirectory(host, dht, NullLogger.Instance, maxProviders: 4);
            IReadOnlyList<PeerId> holders = await directory.FindProvidersAsync(jsShard, ct);
            Assert.Contains(PeerId.Parse(jsHolder.PeerId), holders);
        }

        // DataMesh → js: a storage node announces a shard as the node does after storing it; every js node then
        // finds it by the shard's CID.
        ContentHash stored = ContentHash.Compute(RandomNumberGenerator.GetBytes(256));
        PeerId holder = csNodes[0].Host.PeerId;
        await using (var announcer = new ProviderAnnouncer(csNodes[0].Dht, NullLogger.Instance))
        {
            announcer.Start();
            announcer.Enqueue(stored);
            while (announcer.Announced == 0)
            {
                await Task.Delay(50, ct);
            }
        }
        foreach (JsNode js in jsNodes)
        {
            IReadOnlyList<JsPeerInfo> found = await js.FindProvidersAsync(CidText(stored), max: 1, cancellationToken: ct);
            Assert.Contains(found, p => p.PeerId == holder.ToString());
            Assert.Contains(found.Single(p => p.PeerId == holder.ToString()).Addrs,
                a => a.StartsWith(csNodes[0].Host.ListenAddresses[0].ToString(), StringComparison.Ordinal));
        }

        // And the js nodes kept the record themselves: with every DataMesh node gone they still know the holder.
        await network.StopCSharpNodesAsync();
        foreach (JsNode js in jsNodes)
        {
            IReadOnlyList<JsPeerInfo> found = await js.FindProvidersAsync(CidText(stored), max: 1, cancellationToken: ct);
            Assert.Contains(found, p => p.PeerId == holder.ToString());
        }
    }
}
