using DataMesh.Interop.Tests.Harness;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Kad;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Transports;

namespace DataMesh.Interop.Tests.Kad;

/// <summary>js-libp2p kad-dht nodes (server mode) and C# DHT nodes on loopback TCP, all bootstrapped from one seed,
/// js node 0: C# nodes learn of each other only through js, which adds a C# peer to its table once Identify shows
/// it speaks the kad protocol.</summary>
internal sealed class MixedKadNetwork : IAsyncDisposable
{
    public List<JsNode> JsNodes { get; } = [];

    public List<(Libp2pHost Host, KadDht Dht)> CsNodes { get; } = [];

    /// <param name="jsOptions">The options of js node i.</param>
    /// <param name="csOptions">The DHT options of C# node i.</param>
    public static async Task<MixedKadNetwork> StartAsync(int jsCount, int csCount, Func<int, JsNodeOptions> jsOptions, Func<int, KadOptions> csOptions, CancellationToken cancellationToken)
    {
        var network = new MixedKadNetwork();
        try
        {
            Task<JsNode>[] starting = [.. Enumerable.Range(0, jsCount).Select(i => JsNode.StartAsync(jsOptions(i), cancellationToken))];
            for (int i = 0; i < csCount; i++)
            {
                var host = new Libp2pHost(Identity.Generate(), [new TcpTransport(new TcpTransportOptions())]);
                await host.ListenAsync([Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")], cancellationToken);
                var dht = new KadDht(host, csOptions(i));
                network.CsNodes.Add((host, dht));
                await dht.StartAsync(cancellationToken);
            }
            foreach (Task<JsNode> start in starting)
            {
                network.JsNodes.Add(await start);
            }

            Multiaddr jsSeed = Multiaddr.Parse(network.JsNodes[0].Addresses[0]);
            await Task.WhenAll(network.JsNodes.Skip(1).Select(js => js.DialAsync(jsSeed.ToString(), cancellationToken: cancellationToken)));
            await Task.WhenAll(network.JsNodes.Select(js => js.WaitForRoutingTableAsync(jsCount - 1, TimeSpan.FromSeconds(20), cancellationToken)));
            await Task.WhenAll(network.CsNodes.Select(cs => cs.Dht.BootstrapAsync([jsSeed], cancellationToken)));
            await Task.WhenAll(network.CsNodes.Select(cs => cs.Dht.GetClosestPeersAsync(cs.Host.PeerId.Bytes, cancellationToken)));
            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops every C# node, leaving the js nodes running.</summary>
    public async Task StopCSharpNodesAsync()
    {
        foreach ((Libp2pHost host, KadDht dht) in CsNodes)
        {
            await dht.DisposeAsync();
            await host.DisposeAsync();
        }
        CsNodes.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(JsNodes.Select(n => n.DisposeAsync().AsTask()));
        await StopCSharpNodesAsync();
    }
}
