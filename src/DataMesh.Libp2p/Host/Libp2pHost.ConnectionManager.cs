using System.Threading.Channels;

namespace DataMesh.Libp2p.Host;

public sealed partial class Libp2pHost
{
    private readonly Channel<bool> _trimRequests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly SemaphoreSlim _trimGate = new(1, 1);
    private ConnectionTrimmer _trimmer = null!;
    private Task _connectionManager = Task.CompletedTask;

    /// <summary>Connections the connection manager has closed since the host started.</summary>
    public long TrimmedConnections => _trimmer.TrimmedTotal;

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
            await TrimConnectionsAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Closes the connections the trimmer selects (least recently used idle ones over the high watermark,
    /// and idle ones past the idle timeout) and waits until they are released. Returns how many were closed.</summary>
    internal async Task<int> TrimConnectionsAsync(CancellationToken cancellationToken)
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
                .Select(c => new ConnectionActivity<Connection>(c, c.OpenedAt, c.LastActivity, c.ActiveStreamCount))];
            IReadOnlyList<Connection> victims = _trimmer.SelectForClosing(snapshot);
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
