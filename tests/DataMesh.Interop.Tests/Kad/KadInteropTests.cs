using System.Security.Cryptography;
using System.Text;
using DataMesh.Interop.Tests.Harness;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Kad;
using DataMesh.Libp2p.Multiformats;
using Xunit.Abstractions;

namespace DataMesh.Interop.Tests.Kad;

/// <summary>Five C# DHT nodes and five js-libp2p kad-dht nodes (server mode) on loopback TCP, all bootstrapped
/// from one C# node, find each other, exchange records and provider announcements in both directions.</summary>
[Trait("Category", "Interop")]
public sealed class KadInteropTests(ITestOutputHelper output)
{
    private const string Namespace = "dmtest"; // the js peers accept any value in it and pick the first

    [Fact]
    public async Task MixedNetworkFindsPeersAndSharesRecordsAndProviders()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        CancellationToken ct = limit.Token;
        var options = new KadOptions
        {
            Validators = RecordValidatorRegistry.Default.With(Namespace, PermissiveRecordValidator.Instance),
            RequestTimeout = TimeSpan.FromSeconds(5),
        };
        await using MixedKadNetwork network = await MixedKadNetwork.StartAsync(5, 5,
            i => new JsNodeOptions { Kad = true, KadNamespace = Namespace, AgentVersion = $"js-kad-{i}", StandardErrorLine = output.WriteLine },
            _ => options, ct);
        List<JsNode> jsNodes = network.JsNodes;
        List<(Libp2pHost Host, KadDht Dht)> csNodes = network.CsNodes;
        foreach ((Libp2pHost host, KadDht dht) in csNodes)
        {
            output.WriteLine($"C# {host.PeerId}: {dht.RoutingTable.Count} peers in the table");
            Assert.Equal(9, dht.RoutingTable.Count); // all five js peers and the four other C# peers
        }

        // FIND_NODE both ways.
        JsNode jsTarget = jsNodes[3];
        IReadOnlyList<Multiaddr> jsAddresses = await csNodes[2].Dht.FindPeerAsync(PeerId.Parse(jsTarget.PeerId), ct);
        Assert.Contains(jsAddresses, a => jsTarget.Addresses.Any(ja => ja.StartsWith(a.ToString(), StringComparison.Ordinal)));
        Libp2pHost csTarget = csNodes[3].Host;
        JsPeerInfo foundByJs = await jsNodes[4].FindPeerAsync(csTarget.PeerId.ToString(), cancellationToken: ct);
        Assert.Equal(csTarget.PeerId.ToString(), foundByJs.PeerId);
        Assert.Contains(foundByJs.Addrs, a => a.StartsWith(csTarget.ListenAddresses[0].ToString(), StringComparison.Ordinal));
        output.WriteLine($"js found C# peer with addresses [{string.Join(", ", foundByJs.Addrs)}]");

        // Records: C# puts, js gets; js puts, C# gets.
        byte[] csValue = RandomNumberGenerator.GetBytes(1024);
        string csKey = $"/{Namespace}/cs-{Convert.ToHexString(RandomNumberGenerator.GetBytes(8))}";
        int csReplicas = await csNodes[1].Dht.PutValueAsync(Encoding.UTF8.GetBytes(csKey), csValue, ct);
        output.WriteLine($"C# put stored on {csReplicas} peers");
        Assert.True(csReplicas >= 8, $"{csReplicas} replicas");
        Assert.Equal(csValue, await jsNodes[2].GetValueAsync(csKey, cancellationToken: ct));

        byte[] jsValue = RandomNumberGenerator.GetBytes(1024);
        string jsKey = $"/{Namespace}/js-{Convert.ToHexString(RandomNumberGenerator.GetBytes(8))}";
        int jsReplicas = await jsNodes[0].PutValueAsync(jsKey, jsValue, cancellationToken: ct);
        output.WriteLine($"js put stored on {jsReplicas} peers");
        Assert.True(jsReplicas >= 3, $"{jsReplicas} replicas");
        Assert.Equal(jsValue, await csNodes[4].Dht.GetValueAsync(Encoding.UTF8.GetBytes(jsKey), ct));

        // Providers: the js peer names content by the CIDv1 (raw, sha2-256) of a text; the DHT key is its multihash.
        string csContent = "provided-by-csharp-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4));
        Assert.True(await csNodes[2].Dht.ProvideAsync(Multihash.Sha2_256(Encoding.UTF8.GetBytes(csContent)).Bytes, ct) >= 5);
        IReadOnlyList<JsPeerInfo> jsFound = await jsNodes[1].FindProvidersAsync(csContent, max: 1, cancellationToken: ct);
        Assert.Contains(jsFound, p => p.PeerId == csNodes[2].Host.PeerId.ToString());

        string jsContent = "provided-by-js-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4));
        await jsNodes[3].ProvideAsync(jsContent, cancellationToken: ct);
        var csFound = new List<ProviderInfo>();
        await foreach (ProviderInfo provider in csNodes[0].Dht.FindProvidersAsync(Multihash.Sha2_256(Encoding.UTF8.GetBytes(jsContent)).Bytes, 1, ct))
        {
            csFound.Add(provider);
        }
        Assert.Contains(csFound, p => p.PeerId.ToString() == jsNodes[3].PeerId);
    }
}
