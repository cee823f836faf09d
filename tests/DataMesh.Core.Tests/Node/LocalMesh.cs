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
