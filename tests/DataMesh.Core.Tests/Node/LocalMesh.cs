using DataMesh.Core.Configuration;
using DataMesh.Core.Node;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Transports;

namespace DataMesh.Core.Tests.Node;

/// <summary>A mesh of real nodes (host, chunk store, chunk exchange) over the in-memory transport or loopback TCP,
/// each with its own data directory, all connected to each other.</summary>
internal sealed class LocalMesh : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dm-mesh-" + Guid.NewGuid().ToString("N")[..8]);

    private readonly HashSet<DataMeshNode> _stopped = [];
    private InMemoryNetwork? _network;
    private Func<string, DataMeshOptions> _options = null!;

    private LocalMesh() { }

    public List<DataMeshNode> StorageNodes { get; } = [];

    public DataMeshNode Client { get; private set; } = null!;

    public string Root => _root;

    public static async Task<LocalMesh> StartAsync(int storageNodes, bool tcp = false, int chunkSize = 64 * 1024, int dataShards = 4, int parityShards = 2,
        int replication = 2)
    {
        var mesh = new LocalMesh();
        InMemoryNetwork? network = tcp ? null : new InMemoryNetwork();
        DataMeshOptions Options(string name) => new()
        {
            Network = new NetworkOptions
            {
                ListenAddresses = [tcp ? "/ip4/127.0.0.1/tcp/0" : "/memory/0"],
                ReplicationFactor = replication,
            },
            Storage = new StorageOptions
            {
                DataDir = Path.Combine(mesh._root, name),
                ChunkSize = chunkSize,
                DataShards = dataShards,
                ParityShards = parityShards,
            },
        };
        mesh._network = network;
        mesh._options = Options;
        for (int i = 0; i < storageNodes; i++)
        {
            mesh.StorageNodes.Add(await DataMeshNode.StartAsync(Options($"storage{i}"), new NodeStartOptions { InMemoryNetwork = network }));
        }
        mesh.Client = await DataMeshNode.StartAsync(Options("client"), new NodeStartOptions { InMemoryNetwork = network, StorageEnabled = false });
        IReadOnlyList<Multiaddr> all = [.. mesh.StorageNodes.Select(n => n.ListenAddresses[0].WithPeerId(n.PeerId))];
        foreach (DataMeshNode node in mesh.StorageNodes.Append(mesh.Client))
        {
            var results = await node.ConnectAsync(all.Where(a => !a.PeerId!.Equals(node.PeerId)), CancellationToken.None);
            Assert.All(results, r => Assert.True(r.Succeeded, r.Error));
        }
        return mesh;
    }

    /// <summary>Stops storage node <paramref name="index"/> (a node lost); <see cref="RestartStorageNodeAsync"/> brings it back.</summary>
    public async Task StopStorageNodeAsync(int index)
    {
        _stopped.Add(StorageNodes[index]);
        await StorageNodes[index].DisposeAsync();
    }

    /// <summary>Stops storage node <paramref name="index"/> and starts it again on the same data directory (same peer
    /// id, same chunk store and claims), then connects every other node to it again.</summary>
    public async Task<DataMeshNode> RestartStorageNodeAsync(int index)
    {
        DataMeshNode stopped = StorageNodes[index];
        await stopped.DisposeAsync();
        _stopped.Remove(stopped);
        // The others notice the closed connections asynchronously; a stale one would be reused for the new node.
        DataMeshNode[] others = [.. StorageNodes.Append(Client).Where(n => n != stopped && !_stopped.Contains(n))];
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (others.Any(n => n.Host.IsConnected(stopped.PeerId)))
        {
            await Task.Delay(20, patience.Token);
        }
        DataMeshNode restarted = await DataMeshNode.StartAsync(_options($"storage{index}"), new NodeStartOptions { InMemoryNetwork = _network });
        StorageNodes[index] = restarted;
        Multiaddr address = restarted.ListenAddresses[0].WithPeerId(restarted.PeerId);
        foreach (DataMeshNode node in StorageNodes.Append(Client).Where(n => n != restarted && !_stopped.Contains(n)))
        {
            var results = await node.ConnectAsync([address], CancellationToken.None);
            Assert.All(results, r => Assert.True(r.Succeeded, r.Error));
        }
        return restarted;
    }

    public string WriteRandomFile(string name, int size, int seed)
    {
        Directory.CreateDirectory(_root);
        string path = Path.Combine(_root, name);
        byte[] data = new byte[size];
        new Random(seed).NextBytes(data);
        File.WriteAllBytes(path, data);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (DataMeshNode node in StorageNodes.Append(Client))
        {
            if (node is not null)
            {
                await node.DisposeAsync();
            }
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a leftover temp folder does not fail a test
        }
    }
}
