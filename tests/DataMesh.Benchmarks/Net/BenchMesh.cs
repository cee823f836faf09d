using System.Collections.Concurrent;
using System.Net;
using DataMesh.Core.Configuration;
using DataMesh.Core.Node;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Benchmarks.Net;

/// <summary>
/// Storage nodes in child processes and one client node in this process, over TCP on 127.0.0.1. With a
/// <see cref="LinkShape"/>, each storage node gets a <see cref="DelayRelay"/> in front of it and the client knows the
/// node only by the relay's address: it dials the relay, and after Identify its peer store is reset to the relay
/// address (Identify reports the node's real loopback listen address, which a redial would otherwise try first).
/// Every connection the client opens is checked: one that is not to a relay is counted in <see cref="Bypasses"/>.
/// </summary>
internal sealed class BenchMesh : IAsyncDisposable
{
    private readonly HashSet<int> _relayPorts = [];
    private readonly ConcurrentQueue<string> _bypasses = new();

    private BenchMesh(string workDir, IReadOnlyList<StorageNodeProcess> nodes, IReadOnlyList<DelayRelay> relays, DataMeshNode client)
    {
        WorkDir = workDir;
        Nodes = nodes;
        Relays = relays;
        Client = client;
        foreach (DelayRelay relay in relays)
        {
            _relayPorts.Add(relay.EndPoint.Port);
        }
        if (relays.Count > 0)
        {
            client.Host.ConnectionOpened += CheckRoute;
        }
    }

    public string WorkDir { get; }

    public IReadOnlyList<StorageNodeProcess> Nodes { get; }

    /// <summary>Relays, one per node in the same order; empty without a link shape.</summary>
    public IReadOnlyList<DelayRelay> Relays { get; }

    public DataMeshNode Client { get; }

    /// <summary>Connections the client opened to something other than a relay (should stay empty).</summary>
    public IReadOnlyCollection<string> Bypasses => _bypasses;

    /// <param name="clientConfig">config.toml text for the client (the sender chooses the layout), e.g. a fixed
    /// layout; null: the defaults.</param>
    public static async Task<BenchMesh> StartAsync(string workDir, int nodeCount, LinkShape? link, CancellationToken cancellationToken,
        string? clientConfig = null)
    {
        Directory.CreateDirectory(workDir);
        var starting = Enumerable.Range(0, nodeCount)
            .Select(i => StorageNodeProcess.StartAsync(Path.Combine(workDir, $"node{i:00}"), cancellationToken))
            .ToList();
        try
        {
            await Task.WhenAll(starting);
        }
        catch
        {
            foreach (Task<StorageNodeProcess> started in starting.Where(t => t.IsCompletedSuccessfully))
            {
                await started.Result.DisposeAsync();
            }
            throw;
        }
        StorageNodeProcess[] nodes = [.. starting.Select(t => t.Result)];
        DelayRelay[] relays = link is null ? [] : [.. nodes.Select(n => DelayRelay.Start(n.EndPoint, link))];
        DataMeshOptions configured = clientConfig is null
            ? new DataMeshOptions()
            : ConfigurationLoader.FromToml(clientConfig, Path.Combine(workDir, "client.toml")).Options;
        DataMeshOptions options = configured with
        {
            Network = configured.Network with { ListenAddresses = ["/ip4/127.0.0.1/tcp/0"] },
            Storage = configured.Storage with { DataDir = Path.Combine(workDir, "client"), StorageEnabled = false },
        };
        DataMeshNode client = await DataMeshNode.StartAsync(options, new NodeStartOptions { StorageEnabled = false }, cancellationToken: cancellationToken);
        var mesh = new BenchMesh(workDir, nodes, relays, client);
        try
        {
            Multiaddr[] dial = [.. nodes.Select((n, i) => (link is null ? n.Address : Multiaddr.FromIPEndPoint(relays[i].EndPoint)).WithPeerId(n.PeerId))];
            IReadOnlyList<PeerConnectResult> connected = await client.ConnectAsync(dial, cancellationToken);
            if (connected.FirstOrDefault(c => !c.Succeeded) is { } failed)
            {
                throw new InvalidOperationException($"The client could not connect to {failed.Address}: {failed.Error}");
            }
            for (int i = 0; i < relays.Length; i++)
            {
                client.Host.Peers.Remove(nodes[i].PeerId);
                client.Host.Peers.AddAddresses(nodes[i].PeerId, [dial[i]]);
            }
            return mesh;
        }
        catch
        {
            await mesh.DisposeAsync();
            throw;
        }
    }

    /// <summary>Bytes the relays carried towards the nodes and back, summed.</summary>
    public (long ToNodes, long FromNodes) RelayedBytes() => (Relays.Sum(r => r.BytesToTarget), Relays.Sum(r => r.BytesFromTarget));

    /// <summary>Throws when a client connection went around the relays, or a node connection is not through one.</summary>
    public void AssertRoutedThroughRelays()
    {
        if (Relays.Count == 0)
        {
            return;
        }
        foreach (Connection connection in Client.Host.Connections)
        {
            CheckRoute(connection);
        }
        if (!_bypasses.IsEmpty)
        {
            throw new InvalidOperationException("The client bypassed the relays: " + string.Join("; ", _bypasses));
        }
    }

    private void CheckRoute(Connection connection)
    {
        if (!connection.RemoteAddress.TryGetTcpEndPoint(out EndPoint? endPoint) || endPoint is not IPEndPoint ip || !_relayPorts.Contains(ip.Port))
        {
            _bypasses.Enqueue(connection.ToString());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        foreach (DelayRelay relay in Relays)
        {
            await relay.DisposeAsync();
        }
        await Task.WhenAll(Nodes.Select(n => n.DisposeAsync().AsTask()));
    }
}
