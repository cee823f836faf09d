using System.IO.Pipelines;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Multistream;
using DataMesh.Libp2p.Noise;
using DataMesh.Libp2p.Protocols.Identify;
using DataMesh.Libp2p.Protocols.Ping;
using DataMesh.Libp2p.Transports;
using DataMesh.Libp2p.Yamux;
using Microsoft.Extensions.Logging;

namespace DataMesh.Libp2p.Host;

/// <summary>An authenticated, multiplexed connection to one peer: raw transport → Noise → Yamux.
/// One loop accepts the peer's streams; when it ends, for whatever reason, it tears the layers down in order.</summary>
public sealed class Connection : IAsyncDisposable
{
    private readonly Libp2pHost _host;
    private readonly IRawConnection _raw;
    private readonly NoiseChannel _secure;
    private readonly YamuxSession _session;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskTracker _handlers = new();
    private readonly TaskCompletionSource<IdentifyInfo> _identified = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _acceptLoop = Task.CompletedTask;
    private long _lastActivityTicks;
    private ResourceLease? _lease;

    internal Connection(Libp2pHost host, IRawConnection raw, NoiseChannel secure, YamuxSession session, ConnectionDirection direction, DateTimeOffset openedAt, ILogger logger)
    {
        _host = host;
        _raw = raw;
        _secure = secure;
        _session = session;
        _logger = logger;
        Direction = direction;
        OpenedAt = openedAt;
        _lastActivityTicks = openedAt.UtcTicks;
    }

    public PeerId RemotePeer => _secure.RemotePeer;

    public PublicKey RemotePublicKey => _secure.RemotePublicKey;

    public Multiaddr RemoteAddress => _raw.RemoteAddress;

    public Multiaddr LocalAddress => _raw.LocalAddress;

    public ConnectionDirection Direction { get; }

    public DateTimeOffset OpenedAt { get; }

    public bool IsClosed => _closing.IsCancellationRequested || _session.IsClosed;

    public int ActiveStreamCount => _session.ActiveStreamCount;

    /// <summary>When a stream last opened or closed on this connection (either direction); the connection manager
    /// closes the least recently used idle connections first.</summary>
    public DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);

    /// <summary>When data last flowed on one of its streams, either way: the connection manager's measure of use.</summary>
    public DateTimeOffset LastTraffic => _session.LastTraffic;

    internal void MarkActive() => Interlocked.Exchange(ref _lastActivityTicks, _host.TimeProvider.GetUtcNow().UtcTicks);

    /// <summary>Completes when the peer's Identify answer has been read (faults if it could not be).</summary>
    public Task<IdentifyInfo> Identified => _identified.Task;

    /// <summary>Completes when the connection is closed and all of its resources are released.</summary>
    public Task Completion => _acceptLoop;

    /// <summary>Takes the connection's charge in the host's resource scopes, released when the connection ends.</summary>
    internal void Start(ResourceLease lease)
    {
        _lease = lease;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Resets the streams that carried no data since <paramref name="cutoff"/>; returns how many.</summary>
    internal int ResetStreamsIdleSince(DateTimeOffset cutoff) => _session.ResetStreamsIdleSince(cutoff);

    /// <summary>Opens a stream and negotiates the first of <paramref name="protocols"/> the peer supports.</summary>
    /// <exception cref="ProtocolNegotiationException">The peer supports none of them.</exception>
    public async Task<Libp2pStream> OpenStreamAsync(IReadOnlyList<string> protocols, CancellationToken cancellationToken)
    {
        MarkActive();
        YamuxStream stream = await _session.OpenStreamAsync(cancellationToken).ConfigureAwait(false);
        return await NegotiateAsync(stream, protocols, cancellationToken).ConfigureAwait(false);
    }

    public Task<Libp2pStream> OpenStreamAsync(string protocol, CancellationToken cancellationToken) =>
        OpenStreamAsync([protocol], cancellationToken);

    /// <summary>Opens a stream for one protocol as <paramref name="options"/> say: optimistically negotiated when the
    /// peer's Identify listed it, and with a larger receive window granted up front when asked.</summary>
    /// <exception cref="ProtocolNegotiationException">The peer does not support it (with optimistic negotiation this
    /// surfaces on the first read from the stream).</exception>
    public async Task<Libp2pStream> OpenStreamAsync(string protocol, StreamOpenOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        MarkActive();
        YamuxOptions yamux = _host.Options.Yamux;
        int window = Math.Clamp(options.ReceiveWindow ?? yamux.InitialWindowSize, yamux.InitialWindowSize, yamux.MaxWindowSize);
        YamuxStream stream = await _session.OpenStreamAsync(window, cancellationToken).ConfigureAwait(false);
        if (options.Optimistic && PeerListed(protocol))
        {
            IDuplexPipe negotiated = MultistreamSelect.SelectLazily(stream, protocol, stream.Reset);
            return new Libp2pStream(stream, protocol, this, negotiated.Input);
        }
        return await NegotiateAsync(stream, [protocol], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Negotiates the first of <paramref name="protocols"/> the peer supports on a freshly opened stream,
    /// within the host's negotiation timeout; on any failure the stream is reset and disposed.</summary>
    private async Task<Libp2pStream> NegotiateAsync(YamuxStream stream, IReadOnlyList<string> protocols, CancellationToken cancellationToken)
    {
        try
        {
            using var negotiation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
            negotiation.CancelAfter(_host.Options.StreamNegotiationTimeout);
            string selected = await MultistreamSelect.SelectAsync(stream, protocols, negotiation.Token).ConfigureAwait(false);
            return new Libp2pStream(stream, selected, this);
        }
        catch
        {
            stream.Reset();
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>True when this connection's Identify answer listed <paramref name="protocol"/>.</summary>
    private bool PeerListed(string protocol) =>
        _identified.Task.IsCompletedSuccessfully && _identified.Task.Result.Protocols.Contains(protocol, StringComparer.Ordinal);

    /// <summary>One libp2p ping (/ipfs/ping/1.0.0) round trip.</summary>
    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken)
    {
        Libp2pStream stream = await OpenStreamAsync(PingProtocol.ProtocolId, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            TimeSpan rtt = await PingProtocol.PingOnceAsync(stream, _host.TimeProvider, cancellationToken).ConfigureAwait(false);
            await stream.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
            return rtt;
        }
    }

    internal void SetIdentified(IdentifyInfo info) => _identified.TrySetResult(info);

    internal void SetIdentifyFailed(Exception error) => _identified.TrySetException(error);

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync().ConfigureAwait(false);
        // Disposing the session makes AcceptStreamAsync throw, which ends the loop; the loop does the teardown.
        await _session.DisposeAsync().ConfigureAwait(false);
        await _acceptLoop.ConfigureAwait(false);
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_closing.IsCancellationRequested)
            {
                YamuxStream stream = await _session.AcceptStreamAsync(_closing.Token).ConfigureAwait(false);
                MarkActive();
                if (!_host.Resources.TryAcquireInboundStream(RemotePeer, out ResourceLease? lease, out ResourceScopeKind refusedBy))
                {
                    Log.InboundStreamRefused(_logger, RemotePeer, refusedBy);
                    stream.Reset();
                    await stream.DisposeAsync().ConfigureAwait(false);
                    continue;
                }
                _handlers.Track(() => _host.HandleInboundStreamAsync(this, stream, lease, _closing.Token));
            }
        }
        catch (Exception error) when (error is YamuxSessionClosedException or OperationCanceledException or Libp2pException or IOException)
        {
            Log.ConnectionEnded(_logger, RemotePeer, error.Message);
        }
        finally
        {
            await TearDownAsync().ConfigureAwait(false);
        }
    }

    private async Task TearDownAsync()
    {
        await _closing.CancelAsync().ConfigureAwait(false);
        _identified.TrySetException(new Libp2pException($"The connection to {RemotePeer} closed before Identify completed."));
        _ = _identified.Task.Exception; // observed: nobody may be waiting for it
        // Each layer is released even when a lower one already broke: teardown never throws.
        await ReleaseAsync(_session.DisposeAsync).ConfigureAwait(false);
        await _handlers.WhenAllAsync().ConfigureAwait(false);
        await ReleaseAsync(_secure.DisposeAsync).ConfigureAwait(false);
        await ReleaseAsync(_raw.DisposeAsync).ConfigureAwait(false);
        _lease?.Dispose();
        _host.OnConnectionClosed(this);
    }

    private async Task ReleaseAsync(Func<ValueTask> dispose)
    {
        try
        {
            await dispose().ConfigureAwait(false);
        }
        catch (Exception error) when (error is IOException or Libp2pException or ObjectDisposedException or OperationCanceledException)
        {
            Log.ConnectionEnded(_logger, RemotePeer, error.Message);
        }
    }

    public override string ToString() => $"{Direction} {RemotePeer} at {RemoteAddress}";
}
