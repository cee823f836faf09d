using System.Collections.Concurrent;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Multistream;
using DataMesh.Libp2p.Protocols.Identify;
using DataMesh.Libp2p.Protocols.Ping;
using DataMesh.Libp2p.Transports;
using DataMesh.Libp2p.Yamux;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PeerId = DataMesh.Libp2p.Identity.PeerId;

namespace DataMesh.Libp2p.Host;

/// <summary>A libp2p node: listens and dials over its transports, upgrades every connection
/// (multistream-select → Noise → multistream-select → Yamux), routes inbound streams to protocol handlers by
/// multistream-select, and runs Identify and Ping. It knows nothing of what the protocols carry.</summary>
public sealed partial class Libp2pHost : IAsyncDisposable
{
    private readonly Identity.Identity _identity;
    private readonly ITransport[] _transports;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Func<Libp2pStream, CancellationToken, Task>> _handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Connection, byte> _connections = new();
    private readonly TaskTracker _background = new();
    private readonly CancellationTokenSource _shutdown = new();
    private int _disposed;

    public Libp2pHost(Identity.Identity identity, IEnumerable<ITransport> transports, HostOptions? options = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        _identity = identity;
        _transports = [.. transports];
        if (_transports.Length == 0)
        {
            throw new ArgumentException("A host needs at least one transport.", nameof(transports));
        }
        Options = options ?? HostOptions.Default;
        Options.Validate();
        TimeProvider = timeProvider ?? TimeProvider.System;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<Libp2pHost>();
        Resources = new ResourceManager(Options);
        Peers = new PeerStore(Options, TimeProvider, IsConnected);
        SetStreamHandler(IdentifyProtocol.ProtocolId, RespondToIdentifyAsync);
        SetStreamHandler(PingProtocol.ProtocolId, PingProtocol.RespondAsync);
        StartConnectionManager();
    }

    public PeerId PeerId => _identity.PeerId;

    public HostOptions Options { get; }

    public TimeProvider TimeProvider { get; }

    public PeerStore Peers { get; }

    /// <summary>The scopes every pending handshake, connection and inbound stream is charged to.</summary>
    internal ResourceManager Resources { get; }

    /// <summary>Raised (synchronously, keep handlers short) after a connection is upgraded and registered.</summary>
    public event Action<Connection>? ConnectionOpened;

    /// <summary>Raised (synchronously) after a connection has closed and released its resources.</summary>
    public event Action<Connection>? ConnectionClosed;

    public IReadOnlyCollection<Connection> Connections => [.. _connections.Keys];

    /// <summary>Protocols this host answers, as advertised in Identify.</summary>
    public IReadOnlyCollection<string> Protocols => [.. _handlers.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Registers (or replaces) the handler for inbound streams of a protocol. The handler owns the stream
    /// for its duration; the host disposes it afterwards. The token is cancelled when the connection closes.</summary>
    public void SetStreamHandler(string protocol, Func<Libp2pStream, CancellationToken, Task> handler)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(protocol);
        ArgumentNullException.ThrowIfNull(handler);
        _handlers[protocol] = handler;
    }

    public bool RemoveStreamHandler(string protocol) => _handlers.TryRemove(protocol, out _);

    public Connection? GetConnection(PeerId peer) =>
        _connections.Keys.Where(c => c.RemotePeer.Equals(peer) && !c.IsClosed).OrderBy(c => c.OpenedAt).FirstOrDefault();

    public bool IsConnected(PeerId peer) => GetConnection(peer) is not null;

    /// <summary>Opens a stream to a peer, connecting first (from the peer store's addresses) when needed. A connection
    /// that closes under us (trimmed by either side, or ended by the peer) is redialed once.</summary>
    public Task<Libp2pStream> OpenStreamAsync(PeerId peer, IReadOnlyList<string> protocols, CancellationToken cancellationToken) =>
        OpenWithRedialAsync(peer, (connection, token) => connection.OpenStreamAsync(protocols, token), cancellationToken);

    public Task<Libp2pStream> OpenStreamAsync(PeerId peer, string protocol, CancellationToken cancellationToken) =>
        OpenStreamAsync(peer, [protocol], cancellationToken);

    /// <summary>Opens a stream for one protocol as <paramref name="options"/> say (optimistic negotiation, a larger
    /// receive window up front; see <see cref="StreamOpenOptions"/>), connecting first when needed, redialing once
    /// as <see cref="OpenStreamAsync(PeerId, IReadOnlyList{string}, CancellationToken)"/> does.</summary>
    public Task<Libp2pStream> OpenStreamAsync(PeerId peer, string protocol, StreamOpenOptions options, CancellationToken cancellationToken) =>
        OpenWithRedialAsync(peer, (connection, token) => connection.OpenStreamAsync(protocol, options, token), cancellationToken);

    /// <summary>Connects when needed and opens a stream with <paramref name="open"/>; when the connection closes under
    /// us meanwhile (trimmed by either side, or ended by the peer), dials again and opens once more.</summary>
    private async Task<Libp2pStream> OpenWithRedialAsync(PeerId peer, Func<Connection, CancellationToken, Task<Libp2pStream>> open,
        CancellationToken cancellationToken)
    {
        Connection connection = await ConnectAsync(peer, cancellationToken).ConfigureAwait(false);
        try
        {
            return await open(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (connection.IsClosed && !cancellationToken.IsCancellationRequested &&
                                      error is YamuxSessionClosedException or OperationCanceledException or IOException)
        {
            Connection fresh = await ConnectAsync(peer, cancellationToken).ConfigureAwait(false);
            return await open(fresh, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<TimeSpan> PingAsync(PeerId peer, CancellationToken cancellationToken)
    {
        Connection connection = await ConnectAsync(peer, cancellationToken).ConfigureAwait(false);
        return await connection.PingAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Negotiates and runs the handler of an inbound stream; <paramref name="lease"/>, its charge in the
    /// resource scopes, is released when the handler ends, however it ends.</summary>
    internal async Task HandleInboundStreamAsync(Connection connection, YamuxStream yamuxStream, ResourceLease lease, CancellationToken cancellationToken)
    {
        string? protocol = null;
        try
        {
            using (var negotiation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                negotiation.CancelAfter(Options.StreamNegotiationTimeout);
                protocol = await MultistreamSelect.ListenAsync(yamuxStream, _handlers.ContainsKey, negotiation.Token).ConfigureAwait(false);
            }
            if (!_handlers.TryGetValue(protocol, out Func<Libp2pStream, CancellationToken, Task>? handler))
            {
                yamuxStream.Reset(); // removed between negotiation and now
                return;
            }
            var stream = new Libp2pStream(yamuxStream, protocol, connection);
            await handler(stream, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // A misbehaving peer or a failing handler loses this stream, never the node.
            Log.InboundStreamFailed(_logger, connection.RemotePeer, protocol ?? "(negotiating)", error.Message);
            if (protocol is not null || error is not ProtocolNegotiationException)
            {
                yamuxStream.Reset();
            }
            // A failed negotiation closes gracefully instead (FIN in the finally): a reset would discard the "na"
            // already sent, and an optimistic dialer, whose request this side just failed to read as a proposal,
            // must see that refusal rather than a bare reset.
        }
        finally
        {
            lease.Dispose();
            connection.MarkActive();
            await yamuxStream.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal void OnConnectionClosed(Connection connection)
    {
        if (_connections.TryRemove(connection, out _))
        {
            Log.ConnectionClosed(_logger, connection.RemotePeer, connection.Direction);
            ConnectionClosed?.Invoke(connection);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _shutdown.CancelAsync().ConfigureAwait(false);
        await StopListenersAsync().ConfigureAwait(false);
        await _connectionManager.ConfigureAwait(false);
        await Task.WhenAll(_connections.Keys.Select(c => c.DisposeAsync().AsTask())).ConfigureAwait(false);
        await _background.WhenAllAsync().ConfigureAwait(false);
        _trimGate.Dispose();
        _shutdown.Dispose();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
