using System.Threading.Channels;
using DataMesh.Libp2p;
using DataMesh.Libp2p.Kad;
using DataMesh.Storage.Addressing;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Dht;

/// <summary>Announces this node in the DHT as a provider of the shards it accepted, under each shard's CID
/// (<see cref="ShardProviderKey"/>). The store path only enqueues
/// (never waits: a full queue drops the announcement and counts it, the shard is still found by XOR placement); one
/// owned loop drains the queue in batches and announces each batch with a few announcements in flight.</summary>
internal sealed class ProviderAnnouncer : IAsyncDisposable
{
    private readonly KadDht _dht;
    private readonly ILogger _logger;
    private readonly Channel<ContentHash> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly int _batchSize;
    private readonly int _parallelism;
    private Task _loop = Task.CompletedTask;
    private long _dropped;
    private long _announced;
    private int _disposed;

    /// <param name="capacity">Announcements waiting at most; more are dropped (and counted).</param>
    /// <param name="batchSize">Shards taken from the queue per round.</param>
    /// <param name="parallelism">Announcements (each a lookup plus ADD_PROVIDER to k peers) in flight at once.</param>
    public ProviderAnnouncer(KadDht dht, ILogger logger, int capacity = 4096, int batchSize = 64, int parallelism = 4)
    {
        ArgumentNullException.ThrowIfNull(dht);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        _dht = dht;
        _logger = logger;
        _batchSize = batchSize;
        _parallelism = parallelism;
        _queue = Channel.CreateBounded<ContentHash>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropWrite,
        }, _ => Interlocked.Increment(ref _dropped));
    }

    /// <summary>Announcements dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Shards announced so far (each to however many of the k closest peers answered).</summary>
    public long Announced => Interlocked.Read(ref _announced);

    /// <summary>Starts the loop; call once the DHT is started.</summary>
    public void Start() => _loop = RunAsync(_stop.Token);

    /// <summary>Queues a shard for announcement. Never blocks.</summary>
    public void Enqueue(ContentHash shard)
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _queue.Writer.TryWrite(shard);
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var batch = new List<ContentHash>(_batchSize);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < _batchSize && _queue.Reader.TryRead(out ContentHash shard))
                {
                    if (!batch.Contains(shard))
                    {
                        batch.Add(shard);
                    }
                }
                await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = _parallelism, CancellationToken = cancellationToken },
                    AnnounceAsync).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async ValueTask AnnounceAsync(ContentHash shard, CancellationToken cancellationToken)
    {
        try
        {
            int peers = await _dht.ProvideAsync(ShardProviderKey.Of(shard), cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _announced);
            Log.ProviderAnnounced(_logger, shard, peers);
        }
        catch (Exception error) when (error is Libp2pException or IOException || (error is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Log.ProviderAnnounceFailed(_logger, shard, error.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _queue.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
