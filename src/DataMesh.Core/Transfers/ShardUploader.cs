using System.Runtime.ExceptionServices;
using DataMesh.Core.Peers;
using DataMesh.Libp2p.Identity;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace DataMesh.Core.Transfers;

/// <summary>
/// Stores one shard on <see cref="ChunkTransferOptions.ReplicationFactor"/> distinct peers. A round asks the placement
/// peers (closest by XOR first; for a shard of a stripe, the peers <see cref="StripePlacement"/> planned for it first,
/// so the stripe's shards land on distinct peers) in parallel, moves on to the next candidate whenever one refuses or fails, and ends
/// when enough acknowledged or the candidates ran out; rounds are retried with exponential backoff and jitter,
/// untried peers first. A shard is reported stored only with the full number of acknowledgements.
/// </summary>
internal sealed class ShardUploader
{
    private static readonly ResiliencePropertyKey<UploadOperation> OperationKey = new("DataMesh.UploadOperation");

    private readonly IShardNetwork _network;
    private readonly PeerStatistics _statistics;
    private readonly ChunkTransferOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;

    public ShardUploader(IShardNetwork network, PeerStatistics statistics, ChunkTransferOptions options, TimeProvider time, ILogger logger)
    {
        _network = network;
        _statistics = statistics;
        _options = options;
        _time = time;
        _logger = logger;
        _pipeline = BuildPipeline();
    }

    /// <summary>Stores the shard or throws <see cref="ShardUploadException"/>; <see cref="OperationCanceledException"/> only when <paramref name="cancellationToken"/> fired.</summary>
    public async Task<StoredShard> UploadAsync(ShardToUpload shard, TransferMonitor monitor, CancellationToken cancellationToken)
    {
        var operation = new UploadOperation(shard, shard.Copies ?? _options.ReplicationFactor, monitor);
        using var chunkTimeout = new CancellationTokenSource(_options.ChunkTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, chunkTimeout.Token);
        var context = ResilienceContextPool.Shared.Get(linked.Token);
        try
        {
            context.Properties.Set(OperationKey, operation);
            var outcome = await _pipeline.ExecuteOutcomeAsync(
                static async (ctx, state) =>
                {
                    await state.Uploader.RoundAsync(state.Operation, ctx.CancellationToken).ConfigureAwait(false);
                    return Outcome.FromResult(true);
                },
                context, (Uploader: this, Operation: operation)).ConfigureAwait(false);
            if (outcome.Exception is { } error)
            {
                if (error is OperationCanceledException && cancellationToken.IsCancellationRequested)
                {
                    ExceptionDispatchInfo.Capture(error).Throw();
                }
                if (chunkTimeout.IsCancellationRequested)
                {
                    operation.RecordError(null, $"chunk timeout of {_options.ChunkTimeout.TotalSeconds:0.###} s reached");
                }
                throw new ShardUploadException(operation.ToFailure(), error);
            }
            return new StoredShard(shard.Shard, operation.Holders) { Length = shard.Data.Length };
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async Task RoundAsync(UploadOperation operation, CancellationToken cancellationToken)
    {
        StripePlacement? placement = operation.Shard.Placement;
        int slot = placement?.SlotOf(operation.Shard.Shard) ?? -1;
        int copies = Math.Max(operation.Required, _options.ReplicationFactor);
        int window = slot >= 0
            ? placement!.WindowFor(copies, _options.SparePlacementPeers)
            : operation.Required + _options.SparePlacementPeers;
        var found = await _network.FindPlacementPeersAsync(operation.Shard.Shard, window + operation.ExcludedCount, cancellationToken).ConfigureAwait(false);
        List<PeerId> candidates = operation.OrderCandidates(found, _statistics);
        int usable = candidates.Count;
        Func<PeerId?> takeNext;
        if (slot >= 0)
        {
            // The planned peers go first unless they already failed for this shard (then they wait their turn). Each
            // next peer is chosen and claimed in one step, so concurrent fallbacks of one stripe never pick the same.
            var plan = await placement!.GetPlanAsync(_network, _options.ReplicationFactor, window, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<PeerId> preferred = [.. plan[slot].Where(p => !operation.HasFailed(p))];
            takeNext = () => placement.TakeNext(candidates, plan, slot, preferred);
        }
        else
        {
            int next = 0;
            takeNext = () => next < candidates.Count ? candidates[next++] : null;
        }
        var running = new List<Task<(PeerId Peer, Exception? Error)>>();
        try
        {
            while (operation.Missing > 0)
            {
                while (running.Count < operation.Missing && takeNext() is { } candidate)
                {
                    running.Add(StoreOnAsync(operation, candidate, cancellationToken));
                }
                if (running.Count == 0)
                {
                    break;
                }
                var done = await Task.WhenAny(running).ConfigureAwait(false);
                running.Remove(done);
                var (peer, error) = await done.ConfigureAwait(false);
                if (error is null)
                {
                    operation.AddHolder(peer);
                }
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            // Never leave a store running: on cancellation they all end promptly; StoreOnAsync does not throw.
            if (running.Count > 0)
            {
                await Task.WhenAll(running).ConfigureAwait(false);
            }
        }
        if (operation.Missing > 0)
        {
            throw new TransferException(
                $"only {operation.Holders.Count} of {operation.Required} peers acknowledged shard {operation.Shard.Shard} " +
                $"({found.Count} placement peers found, {usable} usable)");
        }
    }

    private async Task<(PeerId Peer, Exception? Error)> StoreOnAsync(UploadOperation operation, PeerId peer, CancellationToken cancellationToken)
    {
        var monitor = operation.Monitor;
        using var peerTimeout = new CancellationTokenSource(_options.PeerResponseTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, peerTimeout.Token);
        var placement = operation.Shard.Placement;
        monitor.RequestStarted(peer); // a stripe's placement claimed the peer when it chose it
        bool stored = false;
        long started = _time.GetTimestamp();
        try
        {
            var data = operation.Shard.Data;
            await _network.StoreShardAsync(peer, operation.Shard.Shard, data, linked.Token).ConfigureAwait(false);
            stored = true;
            var elapsed = _time.GetElapsedTime(started);
            _statistics.RecordSuccess(peer, elapsed, 0, data.Length);
            monitor.PeerServed(peer, data.Length, elapsed);
            return (peer, null);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            return (peer, ex);
        }
        catch (OperationCanceledException ex) when (peerTimeout.IsCancellationRequested)
        {
            _statistics.RecordTimeout(peer);
            operation.RecordError(peer, $"no acknowledgement within {_options.PeerResponseTimeout.TotalMilliseconds:0} ms");
            return (peer, ex);
        }
        catch (ShardRejectedException ex)
        {
            // A refusal is an honest answer, not a malfunction: the peer is only excluded for this shard.
            operation.Exclude(peer);
            operation.RecordError(peer, $"refused: {ex.Reason}");
            Log.StoreAttemptFailed(_logger, operation.Shard.Shard, peer, ex.Message);
            return (peer, ex);
        }
        catch (Exception ex)
        {
            _statistics.RecordFailure(peer);
            operation.RecordError(peer, ex.Message);
            Log.StoreAttemptFailed(_logger, operation.Shard.Shard, peer, ex.Message);
            return (peer, ex);
        }
        finally
        {
            if (!stored)
            {
                placement?.Release(peer);
            }
            monitor.RequestEnded(peer);
        }
    }

    private ResiliencePipeline BuildPipeline()
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = _time };
        if (_options.RetryFailedChunks > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = _options.RetryFailedChunks,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryBaseDelay,
                MaxDelay = _options.RetryMaxDelay,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is not null and not OperationCanceledException),
                OnRetry = args =>
                {
                    var operation = args.Context.Properties.GetValue(OperationKey, null!);
                    operation.Monitor.Retried();
                    Log.RetryingShard(_logger, operation.Shard.Shard, args.AttemptNumber + 1,
                        args.RetryDelay.TotalMilliseconds, args.Outcome.Exception?.Message ?? "");
                    return default;
                },
            });
        }
        return builder.Build();
    }
}

/// <summary>A shard that could not be stored on enough peers; carries the details for <see cref="UploadFailedException"/>.</summary>
internal sealed class ShardUploadException(ShardUploadFailure failure, Exception? inner)
    : TransferException($"Shard {failure.Shard} could not be stored: {failure.Holders.Count}/{failure.Required} acknowledged.", inner)
{
    public ShardUploadFailure Failure { get; } = failure;
}
