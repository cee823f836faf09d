using System.Security.Cryptography;
using DataMesh.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace DataMesh.Interop.Tests;

/// <summary>Four js kad-dht nodes on /datamesh/kad/1.0.0 store and find records, providers and each other.</summary>
[Trait("Category", "Interop")]
public sealed class JsKadTests(ITestOutputHelper output)
{
    [Fact]
    public async Task FourNodesPutGetProvideAndFindEachOther()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var nodes = new List<JsNode>();
        try
        {
            var starting = Enumerable.Range(0, 4).Select(i => JsNode.StartAsync(
                new JsNodeOptions
                {
                    Kad = true,
                    KeyType = i % 2 == 0 ? JsKeyType.Ed25519 : JsKeyType.Secp256k1,
                    AgentVersion = $"kad-{i}",
                    StandardErrorLine = output.WriteLine,
                },
                limit.Token)).ToList();
            foreach (var start in starting)
            {
                nodes.Add(await start);
            }

            Assert.All(nodes, n => Assert.Contains("/datamesh/kad/1.0.0", n.Protocols));
            for (var i = 1; i < nodes.Count; i++)
            {
                await nodes[i].DialAsync(nodes[0].Addresses[0], cancellationToken: limit.Token);
            }

            var tables = await Task.WhenAll(nodes.Select(n => n.WaitForRoutingTableAsync(nodes.Count - 1, TimeSpan.FromSeconds(15), limit.Token)));
            Assert.All(tables, t => Assert.Equal("server", t.Mode));

            var value = RandomNumberGenerator.GetBytes(1024);
            var key = $"/dmtest/{Convert.ToHexString(RandomNumberGenerator.GetBytes(8))}";
            var replicas = await nodes[1].PutValueAsync(key, value, cancellationToken: limit.Token);
            Assert.InRange(replicas, 1, 3);
            Assert.Equal(value, await nodes[3].GetValueAsync(key, cancellationToken: limit.Token));
            Assert.Equal(value, await nodes[2].GetValueAsync(System.Text.Encoding.UTF8.GetBytes(key), cancellationToken: limit.Token));
            await Assert.ThrowsAsync<JsNodeCommandException>(
                () => nodes[3].GetValueAsync("/dmtest/never-stored", TimeSpan.FromSeconds(10), limit.Token));

            var cid = await nodes[2].ProvideAsync("interop-content", cancellationToken: limit.Token);
            Assert.StartsWith("bafkrei", cid, StringComparison.Ordinal);
            var providers = await nodes[3].FindProvidersAsync(cid, max: 1, cancellationToken: limit.Token);
            Assert.Contains(providers, p => p.PeerId == nodes[2].PeerId);

            foreach (var (finder, sought) in new[] { (3, 1), (1, 2), (2, 3) })
            {
                var found = await nodes[finder].FindPeerAsync(nodes[sought].PeerId, cancellationToken: limit.Token);
                Assert.Equal(nodes[sought].PeerId, found.PeerId);
                Assert.Contains(found.Addrs, addr => nodes[sought].Addresses[0].StartsWith(addr, StringComparison.Ordinal));
            }
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
        }
    }
}
