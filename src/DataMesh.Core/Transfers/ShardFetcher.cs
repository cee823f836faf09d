using System.Buffers;
using System.Runtime.ExceptionServices;
using DataMesh.Core.Peers;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Hedging;
using Polly.Retry;
using Polly.Timeout;

namespace DataMesh.Core.Transfers;

/// <summary>A verified shard in a pooled buffer; the receiver owns <see cref="Buffer"/> and returns it to <see cref="ArrayPool{T}.Shared"/>.
/// A blob (<see cref="ShardFetcher.FetchBlobAsync"/>) comes in an array of its exact length that is not pooled.</summary>
/// <param name="Hedges">Hedged requests fired for this shard; <paramref name="Retries"/>: retry rounds it took.</param>
internal readonly record struct FetchedShard(PeerId Peer, byte[] Buffer, int Length, int Hedges = 0, int Retries = 0);

/// <summary>
/// Retrieves one shard (or one blob of unknown length, a manifest): ranks its holders, asks the best one, hedges to the next when it is slower than its own
/// p90 latency, verifies every answer against the shard's BLAKE3 address, and retries with backoff.
/// </summary>
/// <remarks>
/// Polly pipeline, outermost first: retry (exponential backoff with jitter; each round prefers peers not asked
/// yet), hedging (first verified answer wins; losers are cancelled and awaited by Polly before it returns), and a
/// per-attempt timeout (peer_response_timeout). The chunk timeout bounds everything, holder lookup included.
/// </remarks>
internal sealed class ShardFetcher
{
    private static readonly ResiliencePropertyKey<FetchOperation> OperationKey = new("DataMesh.FetchOperation");
    private static readonly ResiliencePropertyKey<PeerId> AttemptPeerKey = new("DataMesh.AttemptPeer");

    // Holders considered per shard: bounds ranking work and per-shard state against a flood of provider records.
    private const int MaxHolderCandidates = 128;

    private readonly IShardNetwork _network;
    private readonly PeerRanker _ranker;
    private readonly ChunkTransferOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<FetchedShard> _pipeline;
    private readonly ResiliencePipeline<FetchedShard> _plannedPipeline;

    public ShardFetcher(IShardNetwork network, PeerRanker ranker, ChunkTransferOptions options, TimeProvider time, ILogger logger)
    {
        _network = network;
        _ranker = ranker;
        _options = options;
        _time = time;
        _logger = logger;
        _pipeline = BuildPipeline(withRetry: true);
        _plannedPipeline = BuildPipeline(withRetry: false);
    }

    private PeerStatistics Statistics => _ranker.Statistics;

    /// <summary>Fetches and verifies a shard. Throws <see cref="OperationCanceledException"/> only when <paramref name="cancellationToken"/> fired.</summary>
    public Task<FetchedShard> FetchAsync(ContentHash shard, int length, IReadOnlyList<PeerId>? hints, TransferMonitor monitor, CancellationToken cancellationToken) =>
        FetchAsync(shard, length, isBlob: false, hints, monitor, cancellationToken);

    /// <summary>Fetches and verifies a blob of at most <paramref name="maxLength"/> bytes, the same hedged way as a shard.</summary>
    /// <exception cref="BlobUnavailableException">No holder provided it; says what each answered.</exception>
    public async Task<byte[]> FetchBlobAsync(ContentHash address, int maxLength, TransferMonitor monitor, CancellationToken cancellationToken)
    {
        FetchedShard fetched = await FetchAsync(address, maxLength, isBlob: true, hints: null, monitor, cancellationToken).ConfigureAwait(false);
        return fetched.Buffer;
    }

    private async Task<FetchedShard> FetchAsync(ContentHash shard, int length, bool isBlob, IReadOnlyList<PeerId>? hints, TransferMonitor monitor,
        CancellationToken cancellationToken)
    {
        using var chunkTimeout = new CancellationTokenSource(_options.ChunkTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, chunkTimeout.Token);
        FetchOperation? operation = null;
        try
        {
            // Where the stripe's placement put the shard is known without asking the network: try those holders
            // first, one hedged round without retries. A holder lookup (provider records over the DHT) costs round
            // trips to many peers; over a 50 ms link it cost more than the fetch itself, so it is made only when
            // the planned holders did not serve.
            if (hints is { Count: > 0 } && RankCandidates(hints, [], monitor) is { Count: > 0 } planned)
            {
                operation = new FetchOperation(shard, length, isBlob, planned, Statistics, monitor);
                var first = await RunAsync(_plannedPipeline, operation, linked.Token).ConfigureAwait(false);
                if (first.Exception is null)
                {
                    return first.Result;
                }
                if (!IsPeerFailure(first.Exception))
                {
                    ExceptionDispatchInfo.Capture(first.Exception).Throw();
                }
            }
            var found = await _network.FindHoldersAsync(shard, linked.Token).ConfigureAwait(false);
            var candidates = RankCandidates(hints, found, monitor);
            if (candidates.Count == 0)
            {
                throw new NoPeersAvailableException(shard, found.Count == 0 ? "no holder is known" : "every known holder is banned");
            }
            operation = new FetchOperation(shard, length, isBlob, candidates, Statistics, monitor, hedgesBefore: operation?.HedgesFired ?? 0);
            var outcome = await RunAsync(_pipeline, operation, linked.Token).ConfigureAwait(false);
            if (outcome.Exception is { } error)
            {
                ExceptionDispatchInfo.Capture(error).Throw();
            }
            return outcome.Result;
        }
        catch (Exception ex) when (isBlob && !cancellationToken.IsCancellationRequested)
        {
            // A blob's caller wants to know what every holder answered, not only the last error.
            var errors = operation?.Errors;
            string detail = errors is { Count: > 0 } ? string.Join("; ", errors)
                : chunkTimeout.IsCancellationRequested ? $"no answer within the chunk timeout of {_options.ChunkTimeout.TotalSeconds:0.###} s"
                : ex.Message;
            throw new BlobUnavailableException(shard, detail, noHolderKnown: operation is null && ex is NoPeersAvailableException, ex);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutRejectedException
                                   && chunkTimeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var errors = operation?.Errors;
            throw new ShardTimeoutException(shard, _options.ChunkTimeout,
                errors is { Count: > 0 } ? new TransferException(errors[^1]) : null);
        }
    }

    private async Task<Outcome<FetchedShard>> RunAsync(ResiliencePipeline<FetchedShard> pipeline, FetchOperation operation, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            context.Properties.Set(OperationKey, operation);
            return await pipeline.ExecuteOutcomeAsync(
                static (ctx, state) => state.Fetcher.AttemptAsync(ctx, state.Operation), context, (Fetcher: this, Operation: operation))
                .ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>
    /// The hints and the first <see cref="ChunkTransferOptions.ReplicationFactor"/> peers of the lookup (announced
    /// providers, then the XOR-closest storage peers: where an upload puts the shard) are ranked first; the rest of
    /// the lookup (spare candidates for peers that joined since the upload) only after them. Ranked together, a
    /// spare came first about half the time (the lookup returns twice the replication factor), and each such
    /// "not found" cost a round trip before the real holder was asked.
    /// </summary>
    private IReadOnlyList<PeerId> RankCandidates(IReadOnlyList<PeerId>? hints, IReadOnlyList<PeerId> found, TransferMonitor monitor)
    {
        var listed = (hints is null ? found : hints.Concat(found)).Distinct().Take(MaxHolderCandidates).ToList();
        int likely = Math.Min(listed.Count, (hints?.Distinct().Count() ?? 0) + _options.ReplicationFactor);
        var first = _ranker.Rank(listed.Take(likely), _options.PreferFastPeers);
        var spare = _ranker.Rank(listed.Skip(likely), _options.PreferFastPeers);
        return [.. SpreadLoad(first, monitor), .. SpreadLoad(spare, monitor)];
    }

    /// <summary>
    /// Among peers in good standing, the one with the fewest of this transfer's requests in flight goes first; the
    /// rank breaks ties, and peers that have been failing keep their place behind. Rank alone sends every
    /// concurrent fetch to the same best-measured holders while the other holders of the same shards idle: their
    /// links were the bottleneck (over 25 ms / 50 Mbit/s links the busiest link carried 2 to 3 times its share).
    /// </summary>
    private IEnumerable<PeerId> SpreadLoad(IReadOnlyList<PeerId> ranked, TransferMonitor monitor) =>
        ranked.Select((peer, rank) => (Peer: peer, Rank: rank, Failing: IsFailing(peer), Active: monitor.ActiveRequests(peer)))
              .OrderBy(c => c.Failing)
              .ThenBy(c => c.Active)
              .ThenBy(c => c.Rank)
              .Select(c => c.Peer);

    private bool IsFailing(PeerId peer) =>
        Statistics.TryGetRankingView(peer, out var view) && view.Completed > 0 && !view.IsResponsive;

    private async ValueTask<Outcome<FetchedShard>> AttemptAsync(ResilienceContext context, FetchOperation operation)
    {
        if (!operation.TryStart(out var peer, out bool isHedge) || peer is null)
        {
            return Outcome.FromException<FetchedShard>(new NoPeersAvailableException(operation.Shard, "every holder has been asked in this round"));
        }
        context.Properties.Set(AttemptPeerKey, peer);
        var monitor = operation.Monitor;
        if (isHedge)
        {
            monitor.HedgeFired();
            operation.CountHedge();
        }
        monitor.RequestStarted(peer);
        byte[]? buffer = null;
        bool pooled = !operation.IsBlob;
        long started = _time.GetTimestamp();
        try
        {
            int received;
            if (operation.IsBlob)
            {
                buffer = await _network.FetchBlobAsync(peer, operation.Shard, operation.Length, context.CancellationToken).ConfigureAwait(false);
                received = buffer.Length;
            }
            else
            {
                buffer = ArrayPool<byte>.Shared.Rent(operation.Length);
                received = await _network.FetchShardAsync(peer, operation.Shard, buffer.AsMemory(0, operation.Length), context.CancellationToken)
                    .ConfigureAwait(false);
            }
            var elapsed = _time.GetElapsedTime(started);
            string? corruption = operation.IsBlob
                ? received > operation.Length ? $"{received} bytes, over the {operation.Length}-byte limit" : null
                : received != operation.Length ? $"{received} bytes instead of {operation.Length}" : null;
            corruption ??= ContentHash.Compute(buffer.AsSpan(0, received)) != operation.Shard ? "BLAKE3 hash mismatch" : null;
            if (corruption is not null)
            {
                Statistics.RecordCorrupt(peer);
                operation.RecordError(peer, "corrupt data: " + corruption);
                Log.CorruptShard(_logger, peer, operation.Shard, corruption);
                return Outcome.FromException<FetchedShard>(new CorruptShardException(peer, operation.Shard, corruption));
            }
            Statistics.RecordSuccess(peer, elapsed, received, 0);
            monitor.PeerServed(peer, received, elapsed);
            if (!operation.TryClaim())
            {
                return Outcome.FromException<FetchedShard>(new SurplusAnswerException());
            }
            if (isHedge)
            {
                monitor.HedgeWon();
            }
            var result = new FetchedShard(peer, buffer, received, operation.HedgesFired, operation.Retries);
            buffer = null;
            return Outcome.FromResult(result);
        }
        catch (OperationCanceledException ex) when (context.CancellationToken.IsCancellationRequested)
        {
            // Lost the hedge race, or a timeout/caller cancellation; a per-peer timeout is charged in OnTimeout.
            return Outcome.FromException<FetchedShard>(ex);
        }
        catch (ShardNotFoundException ex)
        {
            // An honest "I do not hold it" from a candidate holder is not a failure of that peer: it answered.
            // Counting it would rank down every peer that placement lists but the upload skipped.
            operation.RecordError(peer, ex.Message);
            Log.FetchAttemptFailed(_logger, operation.Shard, peer, ex.Message);
            return Outcome.FromException<FetchedShard>(ex);
        }
        catch (Exception ex)
        {
            Statistics.RecordFailure(peer);
            operation.RecordError(peer, ex.Message);
            Log.FetchAttemptFailed(_logger, operation.Shard, peer, ex.Message);
            return Outcome.FromException<FetchedShard>(ex is OperationCanceledException ? new TransferException(ex.Message, ex) : ex);
        }
        finally
        {
            operation.Finished(peer);
            monitor.RequestEnded(peer);
            if (buffer is not null && pooled)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private ResiliencePipeline<FetchedShard> BuildPipeline(bool withRetry)
    {
        var builder = new ResiliencePipelineBuilder<FetchedShard> { TimeProvider = _time };
        if (withRetry && _options.RetryFailedChunks > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<FetchedShard>
            {
                MaxRetryAttempts = _options.RetryFailedChunks,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryBaseDelay,
                MaxDelay = _options.RetryMaxDelay,
                ShouldHandle = static args => ValueTask.FromResult(IsPeerFailure(args.Outcome.Exception)),
                OnRetry = args =>
                {
                    var operation = args.Context.Properties.GetValue(OperationKey, null!);
                    operation.NextRound();
                    operation.Monitor.Retried();
                    operation.CountRetry();
                    Log.RetryingShard(_logger, operation.Shard, args.AttemptNumber + 1,
                        args.RetryDelay.TotalMilliseconds, args.Outcome.Exception?.Message ?? "");
                    return default;
                },
            });
        }
        if (_options.MaxHedgedAttempts > 0)
        {
            builder.AddHedging(new HedgingStrategyOptions<FetchedShard>
            {
                MaxHedgedAttempts = _options.MaxHedgedAttempts,
                ShouldHandle = static args => ValueTask.FromResult(IsPeerFailure(args.Outcome.Exception)),
                DelayGenerator = args =>
                {
                    var operation = args.Context.Properties.GetValue(OperationKey, null!);
                    var last = operation.LastStarted;
                    var delay = _options.HedgeDelayFor(last is null ? null : _ranker.GetLatencyP90(last));
                    // A request that shares its peer's link with others of this transfer is expected to take that
                    // many times longer; hedging it after one plain p90 sent a duplicate shard over another link
                    // (wasted capacity) while the first answer was merely queued behind its neighbour.
                    int sharing = last is null ? 1 : Math.Max(1, operation.Monitor.ActiveRequests(last));
                    var shared = delay * sharing;
                    return ValueTask.FromResult(shared < _options.PeerResponseTimeout ? shared : _options.PeerResponseTimeout);
                },
                ActionGenerator = static args =>
                {
                    var operation = args.PrimaryContext.Properties.GetValue(OperationKey, null!);
                    if (!operation.CanHedge)
                    {
                        return null;
                    }
                    args.ActionContext.Properties.Set(OperationKey, operation);
                    return () => args.Callback(args.ActionContext);
                },
            });
        }
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            Timeout = _options.PeerResponseTimeout,
            OnTimeout = args =>
            {
                if (args.Context.Properties.TryGetValue(AttemptPeerKey, out var peer))
                {
                    Statistics.RecordTimeout(peer);
                    if (args.Context.Properties.TryGetValue(OperationKey, out var operation))
                    {
                        operation.RecordError(peer, $"no answer within {args.Timeout.TotalMilliseconds:0} ms");
                    }
                }
                return default;
            },
        });
        return builder.Build();
    }

    // Cancellation is never a peer's failure: it means we stopped asking (hedge lost, stripe done, caller).
    private static bool IsPeerFailure(Exception? exception) => exception is not null and not OperationCanceledException;

    /// <summary>A second verified answer for a shard another attempt already delivered; discarded.</summary>
    private sealed class SurplusAnswerException : TransferException
    {
        public SurplusAnswerException() : base("A faster peer already delivered this shard.") { }
    }
}
