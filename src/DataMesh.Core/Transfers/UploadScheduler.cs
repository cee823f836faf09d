using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Transfers;

/// <summary>
/// Feeds shards from a stream to <see cref="ShardUploader"/> with at most <see cref="ChunkTransferOptions.MaxConcurrentUploads"/>
/// in flight. After the first shard that cannot be stored no new shard is started (the rest of the stream is read
/// and released, so its producer can finish); the ones in flight finish and the upload fails listing every failed
/// shard. Every shard task is awaited before returning.
/// </summary>
internal sealed class UploadScheduler
{
    private readonly ShardUploader _uploader;
    private readonly ChunkTransferOptions _options;
    private readonly TransferMonitor _monitor;
    private readonly TransferJournal? _journal;
    private readonly ILogger _logger;
    private readonly List<StoredShard?> _results = [];
    private readonly ConcurrentQueue<ShardUploadFailure> _failures = new();
    // Stored shards of each stripe still being uploaded, for its verbose summary; a stripe leaves when complete.
    private readonly ConcurrentDictionary<long, List<StoredShard>> _stripes = new();

    public UploadScheduler(ShardUploader uploader, ChunkTransferOptions options, TransferMonitor monitor, TransferJournal? journal, ILogger logger)
    {
        _uploader = uploader;
        _options = options;
        _monitor = monitor;
        _journal = journal;
        _logger = logger;
    }

    public async Task<(IReadOnlyList<StoredShard> Stored, int Skipped)> RunAsync(IAsyncEnumerable<ShardToUpload> shards, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = new List<Task>();
        int skipped = 0;
        try
        {
            await foreach (var shard in shards.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                ArgumentNullException.ThrowIfNull(shard);
                if (_journal is not null && _journal.TryGetStoredShard(shard.Shard, out var holders))
                {
                    shard.Owner?.Dispose();
                    lock (_results)
                    {
                        _results.Add(new StoredShard(shard.Shard, holders) { Length = shard.Data.Length });
                    }
                    skipped++;
                    _monitor.Completed(1, shard.ProgressBytes);
                    Tally(shard, new StoredShard(shard.Shard, holders));
                    continue;
                }
                while (running.Count >= _options.MaxConcurrentUploads)
                {
                    running.Remove(await Task.WhenAny(running).ConfigureAwait(false));
                }
                if (!_failures.IsEmpty)
                {
                    // Start nothing more, but keep taking (and releasing) the producer's shards to the end: a
                    // producer writing into a bounded channel would otherwise wait forever on a reader that left
                    // (SendFileAsync's encoder did, so a failed upload hung instead of failing).
                    shard.Owner?.Dispose();
                    continue;
                }
                int slot;
                lock (_results)
                {
                    slot = _results.Count;
                    _results.Add(null);
                }
                running.Add(UploadOneAsync(shard, slot, stop.Token));
            }
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        cancellationToken.ThrowIfCancellationRequested();

        var stored = new List<StoredShard>(_results.Count);
        lock (_results)
        {
            foreach (var result in _results)
            {
                if (result is not null)
                {
                    stored.Add(result);
                }
            }
        }
        if (!_failures.IsEmpty)
        {
            throw new UploadFailedException([.. _failures], stored);
        }
        return (stored, skipped);
    }

    /// <summary>Counts a stored shard toward its stripe; the stripe's last one writes the stripe's verbose line.</summary>
    private void Tally(ShardToUpload shard, StoredShard stored)
    {
        if (shard.Stripe is not { } stripe || shard.Placement is not { } placement)
        {
            return;
        }
        List<StoredShard> done = _stripes.GetOrAdd(stripe, static _ => []);
        lock (done)
        {
            done.Add(stored);
            if (done.Count < placement.Shards.Count)
            {
                return;
            }
        }
        _stripes.TryRemove(stripe, out _);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            var holders = done.SelectMany(s => s.Holders).ToList();
            int peerCount = holders.Distinct().Count();
            string peers = StripeSummary.Peers(holders);
            Log.StripeStored(_logger, stripe, done.Count, holders.Count, peerCount, peers);
        }
    }

    // Never throws: failures are collected, cancellation simply ends the shard.
    private async Task UploadOneAsync(ShardToUpload shard, int slot, CancellationToken cancellationToken)
    {
        try
        {
            var stored = await _uploader.UploadAsync(shard, _monitor, cancellationToken).ConfigureAwait(false);
            lock (_results)
            {
                _results[slot] = stored;
            }
            if (_journal is not null)
            {
                await _journal.RecordShardStoredAsync(stored.Shard, stored.Holders, cancellationToken).ConfigureAwait(false);
            }
            _monitor.Completed(1, shard.ProgressBytes);
            Tally(shard, stored);
        }
        catch (ShardUploadException ex)
        {
            Log.ShardUploadFailed(_logger, shard.Shard, ex.Message);
            _failures.Enqueue(ex.Failure);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The whole upload is being cancelled; the caller gets the cancellation.
        }
        catch (Exception ex)
        {
            Log.ShardUploadFailed(_logger, shard.Shard, ex.Message);
            _failures.Enqueue(new ShardUploadFailure(shard.Shard, _options.ReplicationFactor, [], [ex.Message]));
        }
        finally
        {
            shard.Owner?.Dispose();
        }
    }
}
