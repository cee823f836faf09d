using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Multiformats;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataMesh.Libp2p.Kad;

/// <summary>A provider found for a key: the peer and the addresses it (or the answering peer) gave.</summary>
public sealed record ProviderInfo(PeerId PeerId, IReadOnlyList<Multiaddr> Addresses);

/// <summary>The outcome of one iterative lookup, with the figures the scale simulation reports.</summary>
public sealed record KadLookupResult(IReadOnlyList<PeerId> Closest, int Hops, int Requests, int Failures);

/// <summary>The Kademlia DHT over a <see cref="Libp2pHost"/>, speaking the libp2p kad-dht wire protocol: routing
/// table, iterative lookups, values and provider records, with background refresh, random walk and republishing.
/// Start it with <see cref="StartAsync"/>; dispose it before the host.</summary>
public sealed partial class KadDht : IAsyncDisposable
{
    /// <summary>The host protection tag of routing-table members (<see cref="Libp2pHost.Protect"/>).</summary>
    internal const string ProtectionTag = "kad";

    private readonly Libp2pHost _host;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly InboundRequestLimiter _limiter;
    private readonly TaskTracker _background = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly HashSet<PeerId> _livenessChecks = [];
    private readonly Lock _livenessGate = new();
    private readonly WakeSignal _wake = new();
    private readonly List<Multiaddr> _bootstrapPeers = [];
    private Task _maintenance = Task.CompletedTask;
    private int _started;
    private int _disposed;

    public KadDht(
        Libp2pHost host,
        KadOptions? options = null,
        RecordStore? records = null,
        ProviderStore? providers = null,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
        Options = options ?? KadOptions.Default;
        ArgumentException.ThrowIfNullOrWhiteSpace(Options.ProtocolId, nameof(options));
        if (Options.MaintenanceInterval <= TimeSpan.Zero || Options.MaintenanceInterval > TimeSpan.FromDays(30))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaintenanceInterval must be positive and at most 30 days.");
        }
        _time = timeProvider ?? host.TimeProvider;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<KadDht>();
        Records = records ?? new RecordStore(Options.DataDirectory is { } dir ? Options.RecordStore with { Directory = Path.Combine(dir, "records") } : Options.RecordStore, _time);
        Providers = providers ?? new ProviderStore(Options.DataDirectory is { } dir2 ? Options.ProviderStore with { Directory = Path.Combine(dir2, "providers") } : Options.ProviderStore, _time);
        LocalKey = KeyOf(host.PeerId);
        Table = new RoutingTable<PeerId>(LocalKey, Options.BucketSize, _time);
        _limiter = new InboundRequestLimiter(Options.MaxInboundRequestsPerPeer, Options.MaxInboundRequestsTotal);
    }

    public KadOptions Options { get; }

    public KadMode Mode => Options.Mode;

    public PeerId PeerId => _host.PeerId;

    public KadKey LocalKey { get; }

    public RecordStore Records { get; }

    public ProviderStore Providers { get; }

    /// <summary>A snapshot of the routing table.</summary>
    public IReadOnlyList<RoutingTableEntry<PeerId>> RoutingTable => Table.Snapshot();

    internal RoutingTable<PeerId> Table { get; }

    /// <summary>Inbound requests being handled right now.</summary>
    public int InboundRequestsInFlight => _limiter.InFlight;

    /// <summary>Connections whose peer is still being considered for the routing table, and liveness checks still
    /// running: what a test waits out before it asserts what the table did not take.</summary>
    internal int PendingPeerChecks => _background.Count;

    /// <summary>The key-space position of a peer: SHA-256 of its multihash bytes.</summary>
    public static KadKey KeyOf(PeerId peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return KadKey.Hash(peer.Bytes.Span);
    }

    /// <summary>Registers the protocol (server mode), starts watching connections for DHT servers, adds the ones
    /// already connected, and starts the maintenance loop.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The DHT is already started.");
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (Mode == KadMode.Server)
        {
            _host.SetStreamHandler(Options.ProtocolId, HandleInboundStreamAsync);
        }
        _host.ConnectionOpened += OnConnectionOpened;
        foreach (Connection connection in _host.Connections)
        {
            OnConnectionOpened(connection);
        }
        _maintenance = MaintenanceLoopAsync(_shutdown.Token);
        Log.Started(_logger, _host.PeerId, Mode, Options.ProtocolId);
        return Task.CompletedTask;
    }

    /// <summary>The most bootstrap peers remembered for rejoining.</summary>
    public const int MaxBootstrapPeers = 64;

    /// <summary>The bootstrap peers this node rejoins through whenever its routing table runs empty.</summary>
    public IReadOnlyList<Multiaddr> BootstrapPeers
    {
        get { lock (_bootstrapPeers) { return [.. _bootstrapPeers]; } }
    }

    /// <summary>Remembers bootstrap peers without dialing them: while the
    /// routing table is empty, maintenance tries them with backoff (from one second up to the maintenance interval).
    /// At most <see cref="MaxBootstrapPeers"/> are kept; later ones beyond that are ignored.</summary>
    public void AddBootstrapPeers(IEnumerable<Multiaddr> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        bool added = false;
        lock (_bootstrapPeers)
        {
            foreach (Multiaddr peer in peers)
            {
                ArgumentNullException.ThrowIfNull(peer, nameof(peers));
                if (_bootstrapPeers.Count < MaxBootstrapPeers && !_bootstrapPeers.Contains(peer))
                {
                    _bootstrapPeers.Add(peer);
                    added = true;
                }
            }
        }
        if (added && Table.Count == 0)
        {
            _wake.Set();
        }
    }

    /// <summary>Connects to the given peers (each address must end in /p2p/&lt;id&gt;), adds those that are DHT servers,
    /// then looks up our own key to fill the table. Returns the routing table size afterwards. The peers are
    /// remembered (<see cref="AddBootstrapPeers"/>): if this fails, or the table later runs empty, maintenance
    /// rejoins through them on its own.</summary>
    /// <exception cref="KadException">None of the bootstrap peers could be reached.</exception>
    public async Task<int> BootstrapAsync(IEnumerable<Multiaddr> peers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peers);
        Multiaddr[] addresses = [.. peers];
        try
        {
            return await JoinAsync(addresses, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            AddBootstrapPeers(addresses); // after the attempt, so a failure wakes maintenance into its backoff
        }
    }

    private async Task<int> JoinAsync(Multiaddr[] addresses, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        int reached = 0;
        await Parallel.ForEachAsync(addresses, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (address, ct) =>
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(Options.RequestTimeout);
                Connection connection = await _host.DialAsync(address, timeout.Token).ConfigureAwait(false);
                await ConsiderPeerAsync(connection, timeout.Token).ConfigureAwait(false);
                Interlocked.Increment(ref reached);
            }
            catch (Exception error) when (error is Libp2pException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                lock (errors)
                {
                    errors.Add($"{address}: {error.Message}");
                }
            }
        }).ConfigureAwait(false);
        if (reached == 0 && addresses.Length > 0)
        {
            throw new KadException($"No bootstrap peer could be reached: {string.Join("; ", errors)}");
        }
        await LookupAsync(LocalKey, _host.PeerId.Bytes, KadMessageType.FindNode, null, cancellationToken).ConfigureAwait(false);
        return Table.Count;
    }

    private void OnConnectionOpened(Connection connection)
    {
        if (_shutdown.IsCancellationRequested)
        {
            return;
        }
        _background.Track(() => ConsiderPeerAsync(connection, _shutdown.Token));
    }

    /// <summary>Adds the peer of a connection to the routing table once Identify shows it serves our protocol.</summary>
    private async Task ConsiderPeerAsync(Connection connection, CancellationToken cancellationToken)
    {
        try
        {
            var identified = await connection.Identified.WaitAsync(Options.RequestTimeout, _time, cancellationToken).ConfigureAwait(false);
            if (identified.Protocols.Contains(Options.ProtocolId, StringComparer.Ordinal))
            {
                AddToTable(connection.RemotePeer);
            }
        }
        catch (Exception error) when (error is not OutOfMemoryException && error is not OperationCanceledException)
        {
            Log.IdentifyUnusable(_logger, connection.RemotePeer, error.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Inserts a verified DHT server; a full bucket triggers a liveness check of its stalest member.</summary>
    private void AddToTable(PeerId peer)
    {
        RoutingTableAddResult result = Table.TryAdd(peer, KeyOf(peer), out PeerId? stalest);
        if (result == RoutingTableAddResult.Added)
        {
            Log.PeerAdded(_logger, peer, Table.Count);
            ProtectIfClose(peer);
        }
        else if (result == RoutingTableAddResult.BucketFull && stalest is not null && !_shutdown.IsCancellationRequested)
        {
            lock (_livenessGate)
            {
                if (!_livenessChecks.Add(stalest))
                {
                    return; // already being checked for another newcomer
                }
            }
            _background.Track(() => CheckLivenessAsync(stalest, peer, _shutdown.Token));
        }
    }

    /// <summary>Protects the connections of table members in the <see cref="KadOptions.ProtectedBuckets"/> farthest
    /// buckets from pressure trimming, as go-libp2p-kad-dht does: those buckets cover most of the key space and are
    /// the ones every lookup starts from; a node under connection pressure keeps at most that many × k of them.</summary>
    private void ProtectIfClose(PeerId peer)
    {
        if (Table.BucketIndexOf(KeyOf(peer)) < Options.ProtectedBuckets && Table.Contains(peer))
        {
            _host.Protect(peer, ProtectionTag);
        }
    }

    /// <summary>A table member's removal ends its protection.</summary>
    internal void RemoveFromTable(PeerId peer)
    {
        if (Table.Remove(peer))
        {
            _host.Unprotect(peer, ProtectionTag);
        }
    }

    private async Task CheckLivenessAsync(PeerId member, PeerId newcomer, CancellationToken cancellationToken)
    {
        try
        {
            if (_host.IsConnected(member))
            {
                Table.MarkSeen(member);
                return;
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Options.LivenessTimeout);
            await _host.PingAsync(member, timeout.Token).ConfigureAwait(false);
            Table.MarkSeen(member);
        }
        catch (Exception error) when (error is Libp2pException or OperationCanceledException or IOException && !cancellationToken.IsCancellationRequested)
        {
            if (Table.ReplaceStale(member, newcomer, KeyOf(newcomer)))
            {
                _host.Unprotect(member, ProtectionTag);
                ProtectIfClose(newcomer);
                Log.PeerReplaced(_logger, member, newcomer, error.Message);
            }
        }
        finally
        {
            lock (_livenessGate)
            {
                _livenessChecks.Remove(member);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _host.ConnectionOpened -= OnConnectionOpened;
        foreach (RoutingTableEntry<PeerId> entry in Table.Snapshot())
        {
            _host.Unprotect(entry.Peer, ProtectionTag);
        }
        if (Mode == KadMode.Server && Volatile.Read(ref _started) != 0)
        {
            _host.RemoveStreamHandler(Options.ProtocolId);
        }
        await _shutdown.CancelAsync().ConfigureAwait(false);
        try
        {
            await _maintenance.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await _background.WhenAllAsync().ConfigureAwait(false);
        _shutdown.Dispose();
    }
}
