using DataMesh.Core.Configuration;
using DataMesh.Core.Node;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Transports;

namespace DataMesh.Core.Tests.Node;

/// <summary>A mesh of real nodes (host, chunk store, chunk exchange), each with its own data directory under one temp
/// folder, joined in one of two ways:
/// <list type="bullet">
/// <item><see cref="StartAsync(int, bool, int, int, int, int)"/> wires it up: storage nodes and one client over the
/// in-memory transport or loopback TCP, all connected to each other.</item>
/// <item><see cref="StartJoinedAsync"/> joins it through the DHT: storage node i bootstraps from node i-1 only, and each
/// client (<see cref="AddClientAsync"/>) from one storage node. With k = 4 no node's routing table can hold the whole
/// mesh, so placement and holders come from lookups and provider records.</item>
/// </list></summary>
internal sealed class LocalMesh : IAsyncDisposable
{
    private const int JoinedBucketSize = 4;

    private readonly TempDirectory _root = new("mesh");
    private readonly HashSet<DataMeshNode> _stopped = [];
    private readonly bool _tcp;
    private readonly int _chunkSize;
    private readonly int _dataShards;
    private readonly int _parityShards;
    private readonly int _replication;
    private readonly int? _kadBucketSize;

    private LocalMesh(bool tcp, int chunkSize, int dataShards, int parityShards, int replication, int? kadBucketSize)
    {
        _tcp = tcp;
        _chunkSize = chunkSize;
        _dataShards = dataShards;
        _parityShards = parityShards;
        _replication = replication;
        _kadBucketSize = kadBucketSize;
        Network = tcp ? null : new InMemoryNetwork();
    }

    public List<DataMeshNode> StorageNodes { get; } = [];

    public List<DataMeshNode> Clients { get; } = [];

    /// <summary>The client a wired mesh starts with.</summary>
    public DataMeshNode Client => Clients[0];

    public string Root => _root.Path;

    /// <summary>The in-memory network the nodes share; null over loopback TCP.</summary>
    public InMemoryNetwork? Network { get; }

    /// <summary>The options of the node named <paramref name="name"/>: its data directory is <see cref="Root"/>/name.</summary>
    public DataMeshOptions Options(string name) => new()
    {
        Network = new NetworkOptions
        {
            ListenAddresses = [_tcp ? "/ip4/127.0.0.1/tcp/0" : "/memory/0"],
            ReplicationFactor = _replication,
            KadBucketSize = _kadBucketSize ?? new NetworkOptions().KadBucketSize,
        },
        Storage = new StorageOptions
        {
            DataDir = Path.Combine(Root, name),
            ChunkSize = _chunkSize,
            DataShards = _dataShards,
            ParityShards = _parityShards,
        },
    };

    /// <summary>Storage nodes and one client, every node connected to every storage node.</summary>
    public static async Task<LocalMesh> StartAsync(int storageNodes, bool tcp = false, int chunkSize = 64 * 1024, int dataShards = 4, int parityShards = 2,
        int replication = 2)
    {
        var mesh = new LocalMesh(tcp, chunkSize, dataShards, parityShards, replication, kadBucketSize: null);
        for (int i = 0; i < storageNodes; i++)
        {
            mesh.StorageNodes.Add(await DataMeshNode.StartAsync(mesh.Options($"storage{i}"), new NodeStartOptions { InMemoryNetwork = mesh.Network }));
        }
        mesh.Clients.Add(await DataMeshNode.StartAsync(mesh.Options("client"), new NodeStartOptions { InMemoryNetwork = mesh.Network, StorageEnabled = false }));
        IReadOnlyList<Multiaddr> all = [.. mesh.StorageNodes.Select(n => n.ListenAddresses[0].WithPeerId(n.PeerId))];
        foreach (DataMeshNode node in mesh.StorageNodes.Append(mesh.Client))
        {
            var results = await node.ConnectAsync(all.Where(a => !a.PeerId!.Equals(node.PeerId)), CancellationToken.None);
            Assert.All(results, r => Assert.True(r.Succeeded, r.Error));
        }
        return mesh;
    }

    /// <summary>An empty mesh that joins through the DHT (k = 4), for a test that starts its nodes itself.</summary>
    public static LocalMesh Joined() => new(tcp: false, 64 * 1024, dataShards: 4, parityShards: 2, replication: 2, JoinedBucketSize);

    /// <summary><paramref name="storageNodes"/> storage nodes joined through the DHT, each from the one before it.</summary>
    public static async Task<LocalMesh> StartJoinedAsync(int storageNodes, CancellationToken cancellationToken)
    {
        LocalMesh mesh = Joined();
        mesh.StorageNodes.AddRange(await Task.WhenAll(Enumerable.Range(0, storageNodes).Select(i =>
            DataMeshNode.StartAsync(mesh.Options($"storage{i}"), new NodeStartOptions { InMemoryNetwork = mesh.Network }, cancellationToken: cancellationToken))));
        for (int i = 1; i < storageNodes; i++)
        {
            await BootstrapAsync(mesh.StorageNodes[i], mesh.StorageNodes[i - 1], cancellationToken);
        }
        return mesh;
    }

    /// <summary>Starts a client and joins it through the DHT from <paramref name="bootstrap"/>.</summary>
    public async Task<DataMeshNode> AddClientAsync(string name, DataMeshNode bootstrap, CancellationToken cancellationToken)
    {
        DataMeshNode client = await DataMeshNode.StartAsync(Options(name), new NodeStartOptions { InMemoryNetwork = Network, StorageEnabled = false },
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
        DataMeshNode[] others = [.. StorageNodes.Concat(Clients).Where(n => n != stopped && !_stopped.Contains(n))];
        await Polling.WaitUntilAsync(() => !others.Any(n => n.Host.IsConnected(stopped.PeerId)));
        DataMeshNode restarted = await DataMeshNode.StartAsync(Options($"storage{index}"), new NodeStartOptions { InMemoryNetwork = Network });
        StorageNodes[index] = restarted;
        Multiaddr address = restarted.ListenAddresses[0].WithPeerId(restarted.PeerId);
        foreach (DataMeshNode node in StorageNodes.Concat(Clients).Where(n => n != restarted && !_stopped.Contains(n)))
        {
            var results = await node.ConnectAsync([address], CancellationToken.None);
            Assert.All(results, r => Assert.True(r.Succeeded, r.Error));
        }
        return restarted;
    }

    public string WriteRandomFile(string name, int size, int seed)
    {
        string path = _root.Combine(name);
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
        _root.Dispose();
    }
}
