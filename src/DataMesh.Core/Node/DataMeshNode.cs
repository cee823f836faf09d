using DataMesh.Core.Configuration;
using DataMesh.Core.Dht;
using DataMesh.Core.Exchange;
using DataMesh.Core.Node.Files;
using DataMesh.Core.Node.Records;
using DataMesh.Core.Peers;
using DataMesh.Core.Transfers;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Kad;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Transports;
using DataMesh.Storage.Catalog;
using DataMesh.Storage.ChunkStore;
using DataMesh.Storage.Keys;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataMesh.Core.Node;

/// <summary>A running DataMesh node: the libp2p host, the chunk store it serves, the DHT, what it learned about peers,
/// this user's identity and catalog, wired to the services that use them (<see cref="FileTransfers"/>,
/// <see cref="FileMaintenance"/>). The session object the cmdlets share; its file operations forward to the services.</summary>
public sealed partial class DataMeshNode : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly Libp2p.Identity.Identity _nodeKey;
    private readonly FileTransfers _transfers;
    private readonly FileMaintenance _maintenance;
    private readonly DhtRecords _records;
    private readonly ScheduledRepair? _scheduledRepair;
    private int _disposed;

    private DataMeshNode(DataMeshOptions options, NodeStartOptions start, Libp2p.Identity.Identity nodeKey, UserIdentity user,
        ChunkStore store, ShardClaims claims, FileCatalog catalog, Libp2pHost host, ILoggerFactory loggerFactory)
    {
        Options = options;
        StartOptions = start;
        _nodeKey = nodeKey;
        User = user;
        Store = store;
        Claims = claims;
        Catalog = catalog;
        Host = host;
        _logger = loggerFactory.CreateLogger<DataMeshNode>();
        Dht = new KadDht(host, options.ToKadOptions(System.IO.Path.GetFullPath(options.Storage.DataDir), start.StorageEnabled), loggerFactory: loggerFactory);
        _providerAnnouncer = new ProviderAnnouncer(Dht, loggerFactory.CreateLogger<ProviderAnnouncer>());
        Directory = new DhtPeerDirectory(host, Dht, loggerFactory.CreateLogger<DhtPeerDirectory>(), maxProviders: options.Network.ReplicationFactor * 2);
        // A stripe's shards may sit anywhere in their placement window (StripePlacement), so holders are looked for
        // across the whole window: a shard's holder stays inside it however many other peers leave.
        // Every store this node makes carries its user's owner tag, so only that user's signed Delete removes it.
        var network = new MeshShardNetwork(new ChunkExchangeClient(host, user.PublicIdentity), Directory, holderCandidates: options.HolderCandidates());
        PeerStatistics = new PeerStatistics(timeProvider: start.TimeProvider);
        var managers = new ChunkManagerFactory(network, PeerStatistics, options, start.TimeProvider, loggerFactory);
        var manifests = new ManifestSource(Dht, loggerFactory.CreateLogger<ManifestSource>());
        _transfers = new FileTransfers(options, user, catalog, Path.GetFullPath(options.Storage.DataDir), managers, manifests, start.TimeProvider, loggerFactory);
        _records = new DhtRecords(Dht, nodeKey, host.PeerId, start.TimeProvider);
        _maintenance = new FileMaintenance(options, user, catalog, store, claims, managers, manifests, loggerFactory.CreateLogger<FileMaintenance>());
        if (start.ScheduledMaintenance && options.Maintenance.Enabled)
        {
            _scheduledRepair = new ScheduledRepair(options.Maintenance, catalog, _maintenance, start.TimeProvider, loggerFactory.CreateLogger<ScheduledRepair>());
        }
        StartedAt = start.TimeProvider.GetUtcNow();
    }

    internal DataMeshOptions Options { get; }

    internal NodeStartOptions StartOptions { get; }

    internal Libp2pHost Host { get; }

    internal PeerId PeerId => Host.PeerId;

    internal IReadOnlyList<Multiaddr> ListenAddresses => Host.ListenAddresses;

    /// <summary>This user's identity (signing and key-wrapping keys); its public part is what others pass as -Recipient.</summary>
    internal UserIdentity User { get; }

    internal ChunkStore Store { get; }

    /// <summary>Who claims each shard this node stores for others (docs/chunk-exchange.md, "Owner claims").</summary>
    internal ShardClaims Claims { get; }

    internal FileCatalog Catalog { get; }

    internal PeerStatistics PeerStatistics { get; }

    internal IPeerDirectory Directory { get; }

    public bool StorageEnabled => StartOptions.StorageEnabled;

    public DateTimeOffset StartedAt { get; }

    /// <summary>Creates the data directory if needed, loads (or creates) the node key and the user identity, opens the
    /// chunk store and catalog, and starts listening.</summary>
    internal static async Task<DataMeshNode> StartAsync(DataMeshOptions options, NodeStartOptions? start = null,
        ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        start ??= new NodeStartOptions();
        loggerFactory ??= NullLoggerFactory.Instance;
        string dataDir = Path.GetFullPath(options.Storage.DataDir);
        System.IO.Directory.CreateDirectory(dataDir);

        var owned = new List<IAsyncDisposable>();
        Libp2p.Identity.Identity nodeKey = IdentityFile.LoadOrCreate(Path.Combine(dataDir, "node.key"));
        UserIdentity user = Keystore.LoadOrCreate(dataDir, start.Passphrase);
        ChunkStore? store = null;
        ShardClaims? claims = null;
        FileCatalog? catalog = null;
        Libp2pHost? host = null;
        DataMeshNode? node = null;
        try
        {
            store = await ChunkStore.OpenAsync(new ChunkStoreOptions(Path.Combine(dataDir, "chunks"))
            {
                MaxStorageBytes = options.Storage.MaxStorageBytes,
                GroupCommit = options.Storage.GroupCommit,
                TimeProvider = start.TimeProvider,
            }, loggerFactory.CreateLogger<ChunkStore>(), cancellationToken).ConfigureAwait(false);
            claims = ShardClaims.Open(Path.Combine(dataDir, "claims"), logger: loggerFactory.CreateLogger<ShardClaims>());
            await claims.PruneAsync(store.Contains, cancellationToken).ConfigureAwait(false);
            catalog = await FileCatalog.OpenAsync(Path.Combine(dataDir, "catalog.json"), cancellationToken).ConfigureAwait(false);

            ITransport transport = start.InMemoryNetwork is { } network ? new InMemoryTransport(network) : new TcpTransport(new TcpTransportOptions(), loggerFactory.CreateLogger<TcpTransport>());
            var hostOptions = HostOptions.Default with
            {
                MaxConnections = options.Network.MaxConnections,
                DialTimeout = TimeSpan.FromSeconds(options.Network.ConnectTimeoutSecs),
            };
            host = new Libp2pHost(nodeKey, [transport], hostOptions, loggerFactory, start.TimeProvider);
            node = new DataMeshNode(options, start, nodeKey, user, store, claims, catalog, host, loggerFactory);
            if (start.StorageEnabled)
            {
                new ChunkExchangeService(store, claims, acceptStores: true, stored: node._providerAnnouncer.Enqueue, loggerFactory.CreateLogger<ChunkExchangeService>()).Register(host);
            }
            // Before listening, so the first peers' Identify already shows whether this node serves the DHT.
            await node.StartDhtAsync(cancellationToken).ConfigureAwait(false);
            await host.ListenAsync(options.Network.ListenAddresses.Select(Multiaddr.Parse), cancellationToken).ConfigureAwait(false);
            node._scheduledRepair?.Start();
            string listening = string.Join(", ", node.ListenAddresses);
            Log.Started(node._logger, node.PeerId, listening, start.StorageEnabled);
            return node;
        }
        catch
        {
            if (node is not null)
            {
                await node.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            if (host is not null)
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }
            catalog?.Dispose();
            claims?.Dispose();
            store?.Dispose();
            user.Dispose();
            nodeKey.Dispose();
            throw;
        }
    }

    /// <summary>Dials peers (bootstrap addresses with /p2p/ ids) and waits for each to identify itself, so placement
    /// knows which of them store shards. Returns the peers reached; failures are reported, not thrown.</summary>
    internal async Task<IReadOnlyList<PeerConnectResult>> ConnectAsync(IEnumerable<Multiaddr> addresses, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        Task<PeerConnectResult>[] attempts = [.. addresses.Select(a => ConnectOneAsync(a, cancellationToken))];
        return await Task.WhenAll(attempts).ConfigureAwait(false);
    }

    private async Task<PeerConnectResult> ConnectOneAsync(Multiaddr address, CancellationToken cancellationToken)
    {
        try
        {
            Connection connection = await Host.DialAsync(address, cancellationToken).ConfigureAwait(false);
            await connection.Identified.WaitAsync(Host.Options.HandshakeTimeout, cancellationToken).ConfigureAwait(false);
            return new PeerConnectResult(address, connection.RemotePeer, null);
        }
        catch (Exception error) when (error is Libp2p.Libp2pException or TimeoutException)
        {
            Log.ConnectFailed(_logger, address, error.Message);
            return new PeerConnectResult(address, null, error.Message);
        }
    }

    /// <summary>Test, repair and remove of files (the service the file operations forward to).</summary>
    internal FileMaintenance Maintenance => _maintenance;

    /// <summary>The scheduled check and repair of the catalog's files, when this node runs as a service with maintenance enabled.</summary>
    internal ScheduledRepair? ScheduledRepair => _scheduledRepair;

    /// <summary>What the chunk manager has learned of each peer it worked with.</summary>
    internal IReadOnlyList<PeerStatsSnapshot> GetPeerStatistics() => PeerStatistics.GetSnapshots();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        if (_scheduledRepair is not null)
        {
            await _scheduledRepair.DisposeAsync().ConfigureAwait(false);
        }
        await StopDhtAsync().ConfigureAwait(false);
        await Host.DisposeAsync().ConfigureAwait(false);
        Catalog.Dispose();
        Claims.Dispose();
        Store.Dispose();
        User.Dispose();
        _nodeKey.Dispose();
        Log.Stopped(_logger, PeerId);
    }
}

/// <summary>The outcome of dialing one address.</summary>
internal sealed record PeerConnectResult(Multiaddr Address, PeerId? PeerId, string? Error)
{
    public bool Succeeded => PeerId is not null;
}
