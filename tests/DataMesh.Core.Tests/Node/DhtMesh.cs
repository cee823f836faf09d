using DataMesh.Core.Configuration;
using DataMesh.Core.Node;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Transports;

namespace DataMesh.Core.Tests.Node;

/// <summary>A mesh that is joined through the DHT, not wired up: storage node i bootstraps from node i-1 only, and
/// each client from one storage node. With k = 4 no node's routing table can hold the whole mesh, so placement and
/// holders come from lookups and provider records.</summary>
internal sealed class DhtMesh : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dm-dht-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly InMemoryNetwork _network = new();

    public List<DataMeshNode> StorageNodes { get; } = [];

    public List<DataMeshNode> Clients { get; } = [];

    public string Root => _root;

    public InMemoryNetwork Network => _network;

    public DataMeshOptions Options(string name) => new()
    {
        Network = new NetworkOptions { ListenAddresses = ["/memory/0"], ReplicationFactor = 2, KadBucketSize = 4 },
        Storage = new StorageOptions { DataDir = Path.Combine(_root, name), ChunkSize = 64 * 1024, DataShards = 4, ParityShards = 2 },
    };

    public static async Task<DhtMesh> StartAsync(int storageNodes, CancellationToken cancellationToken)
    {
        var mesh = new DhtMesh();
        mesh.StorageNodes.AddRange(await Task.WhenAll(Enumerable.Range(0, storageNodes).Select(i =>
            DataMeshNode.StartAsync(mesh.Options($"storage{i}"), new NodeStartOptions { InMemoryNetwork = mesh._network }, cancellationToken: cancellationToken))));
        for (int i = 1; i < storageNodes; i++)
        {
            await BootstrapAsync(mesh.StorageNodes[i], mesh.StorageNodes[i - 1], cancellationToken);
        }
        return mesh;
    }

    public async Task<DataMeshNode> AddClientAsync(string name, DataMeshNode bootstrap, CancellationToken cancellationToken)
    {
        DataMeshNode client = await DataMeshNode.StartAsync(Options(name), new NodeStartOptions { InMemoryNetwork = _network, StorageEnabled = false },
            cancellationToken: cancellationToken);
        Clients.Add(client);
        await BootstrapAsync(client, bootstrap, cancellationToken);
        return client;
    }

    public static async Task BootstrapAsync(DataMeshNode node, DataMeshNode from, CancellationToken cancellationToken)
    {
        Multiaddr address = from.ListenAddresses[0].WithPeerId(from.PeerId);
        IReadOnlyList<PeerConnectResult> results = await node.BootstrapAsync([address], cancellationToken);
        Assert.True(results.Single().Succeeded, results.Single().Error);
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
        foreach (DataMeshNode node in StorageNodes.Concat(Clients))
        {
            await node.DisposeAsync();
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
