using System.Threading.Channels;
using PeerId = DataMesh.Libp2p.Identity.PeerId;

namespace DataMesh.Libp2p.Host;

public sealed partial class Libp2pHost
{
    private readonly Channel<bool> _trimRequests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly SemaphoreSlim _trimGate = new(1, 1);
    private readonly PeerProtection _protection = new();
    private ConnectionTrimmer _trimmer = null!;
    private Task _connectionManager = Task.CompletedTask;

    /// <summary>Connections the connection manager has closed since the host started.</summary>
    public long TrimmedConnections => _trimmer.TrimmedTotal;

    /// <summary>Keeps the peer's connections when the connection manager trims under pressure (over the high watermark,
    /// or making room at <see cref="HostOptions.MaxConnections"/>), under <paramref name="tag"/> (the caller's reason,
    /// e.g. "kad"); the idle timeout still applies. As go-libp2p's connmgr Protect.</summary>
    public void Protect(PeerId peer, string tag)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentException.ThrowIfNullOrWhiteSpace(tag);
        _protection.Protect(peer, tag);
    }

    /// <summary>Removes one protection tag; returns true when the peer is still protected under another tag.</summary>
    public bool Unprotect(PeerId peer, string tag)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentException.ThrowIfNullOrWhiteSpace(tag);
        return _protection.Unprotect(peer, tag);
    }

    /// <summary>True when the peer is protected under <paramref name="tag"/>, or under any tag when it is null.</summary>
    public bool IsProtected(PeerId peer, string? tag = null)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return _protection.IsProtected(peer, tag);
    }

    private void StartConnectionManager()
    {
        _trimmer = new ConnectionTrimmer(Options.ConnectionManager, TimeProvider);
        _connectionManager = ConnectionManagerLoopAsync(_shutdown.Token);
    }

    /// <summary>Asks the loop for a trim now when an opened connection took the count over the high watermark.</summary>
    private void OnConnectionRegistered()
    {
        if (_trimmer.IsOverHighWatermark(_connections.Count))
        {
            _trimRequests.Writer.TryWrite(true);
        }
    }

    /// <summary>Trims on every <see cref="ConnectionManagerOptions.CheckInterval"/> and whenever asked; owned by the
    /// host and awaited on dispose.</summary>
    private async Task ConnectionManagerLoopAsync(CancellationToken cancellationToken)
    {
        await Task.Yield(); // the constructor must not run the first wait
        while (!cancellationToken.IsCancellationRequested)
        {
            using (var tick = new CancellationTokenSource(Options.ConnectionManager.CheckInterval, TimeProvider))
            using (var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, tick.Token))
            {
                try
                {
                    await _trimRequests.Reader.ReadAsync(wake.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // the periodic check is due
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            ResetIdleStreams();
            await TrimConnectionsAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Resets the streams that carried no data for <see cref="HostOptions.StreamIdleTimeout"/>; checked on the
    /// connection manager's period, so a stream goes between that timeout and one <see cref="ConnectionManagerOptions.CheckInterval"/> later.</summary>
    internal int ResetIdleStreams()
    {
        if (Options.StreamIdleTimeout is not { } idle)
        {
            return 0;
        }
        DateTimeOffset cutoff = TimeProvider.GetUtcNow() - idle;
        int reset = _connections.Keys.Where(c => !c.IsClosed).Sum(c => c.ResetStreamsIdleSince(cutoff));
        if (reset > 0)
        {
            Log.IdleStreamsReset(_logger, reset, idle.TotalSeconds);
        }
        return reset;
    }

    /// <summary>Closes the connections the trimmer selects (the least useful over the high watermark, at least
    /// <paramref name="room"/> of them for newcomers at the hard limit, and idle ones past the idle timeout) and waits
    /// until they are released. Returns how many were closed.</summary>
    internal async Task<int> TrimConnectionsAsync(CancellationToken cancellationToken, int room = 0)
    {
        try
        {
            await _trimGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
        try
        {
            ConnectionActivity<Connection>[] snapshot = [.. _connections.Keys
                .Where(c => !c.IsClosed)
                .Select(c => new ConnectionActivity<Connection>(c, c.OpenedAt, c.LastActivity, c.ActiveStreamCount, c.LastTraffic,
                    c.Direction, _protection.IsProtected(c.RemotePeer, tag: null)))];
            IReadOnlyList<Connection> victims = _trimmer.SelectForClosing(snapshot, room);
            if (victims.Count == 0)
            {
                return 0;
            }
            Log.TrimmingConnections(_logger, victims.Count, snapshot.Length);
            await Task.WhenAll(victims.Select(c => c.DisposeAsync().AsTask())).ConfigureAwait(false);
            return victims.Count;
        }
        finally
        {
            _trimGate.Release();
        }
    }
}
