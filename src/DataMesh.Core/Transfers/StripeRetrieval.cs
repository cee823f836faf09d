using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Transfers;

/// <summary>
/// Retrieves a file's stripes with at most <see cref="ChunkTransferOptions.MaxConcurrentRetrievals"/> shard fetches in
/// flight across the whole file. Per stripe it asks for k shards (data shards first); when a fetch fails it asks
/// for the next shard not yet requested (parity); once k verified shards are in, the stripe's other fetches are
/// cancelled and the stripe is handed to the caller, in stripe order.
/// </summary>
/// <remarks>
/// One coordinating loop owns all scheduling state, so it needs no locks: fetch tasks only post their outcome to a
/// channel. Every fetch task is awaited before the method returns, on success, failure or cancellation. At most
/// <see cref="ChunkTransferOptions.MaxStripesInMemory"/> stripes hold buffers at a time.
/// </remarks>
internal sealed class StripeRetrieval
{
    private readonly IShardNetwork _network;
    private readonly ShardFetcher _fetcher;
    private readonly ChunkTransferOptions _options;
    private readonly TransferMonitor _monitor;
    private readonly TransferJournal? _journal;
    private readonly ILogger _logger;
    private readonly Channel<Completion> _completions = Channel.CreateUnbounded<Completion>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly List<Task> _fetches = [];
    private readonly HashSet<StripeState> _draining = [];
    private readonly Dictionary<Libp2p.Identity.PeerId, int> _startedThisPass = [];
    private int _inFlight;

    public StripeRetrieval(IShardNetwork network, ShardFetcher fetcher, ChunkTransferOptions options, TransferMonitor monitor, TransferJournal? journal,
        ILogger logger)
    {
        _logger = logger;
        _network = network;
        _fetcher = fetcher;
        _options = options;
        _monitor = monitor;
        _journal = journal;
    }

    public async Task<(int Delivered, int Skipped)> RunAsync(IReadOnlyList<StripeDescriptor> stripes, StripeHandler handler, CancellationToken cancellationToken)
    {
        using var operation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var window = new List<StripeState>();
        int next = 0, delivered = 0, skipped = 0;
        try
        {
            while (true)
            {
                while (window.Count < _options.MaxStripesInMemory && next < stripes.Count)
                {
                    var descriptor = stripes[next++];
                    if (_journal?.IsStripeComplete(descriptor.Index) == true)
                    {
                        skipped++;
                        _monitor.Completed(descriptor.StoredDataShards, (long)descriptor.StoredDataShards * descriptor.ShardLength);
                        continue;
                    }
                    var state = new StripeState(descriptor, operation.Token);
                    window.Add(state);
                    if (descriptor.HolderHints is null)
                    {
                        // Known before the stripe's first request goes out, the plan lets StartRequests pick shards by
                        // where they are instead of in slot order.
                        Track(PrefetchPlanAsync(state));
                    }
                }
                if (window.Count == 0)
                {
                    return (delivered, skipped);
                }
                if (window[0].IsComplete)
                {
                    var head = window[0];
                    window.RemoveAt(0);
                    // Refill the free request slots before the handler decrypts and writes the stripe: that takes
                    // tens of milliseconds on a busy machine, and the links would idle meanwhile.
                    StartRequests(window);
                    await DeliverAsync(head, handler, cancellationToken).ConfigureAwait(false);
                    delivered++;
                    continue;
                }
                StartRequests(window);
                var completion = await _completions.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                Process(completion);
            }
        }
        finally
        {
            await operation.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(_fetches).ConfigureAwait(false);
            while (_completions.Reader.TryRead(out var late))
            {
                if (late.Result is { } fetched)
                {
                    ArrayPool<byte>.Shared.Return(fetched.Buffer);
                }
            }
            foreach (var stripe in window)
            {
                stripe.Release();
                stripe.DisposeToken();
            }
            foreach (var stripe in _draining)
            {
                stripe.DisposeToken();
            }
        }
    }

    /// <summary>
    /// Fills the free request slots. Each slot goes to the shard whose least busy holder has the fewest of this
    /// transfer's requests in flight, the earliest stripe first among equals (stripes are delivered in order), then
    /// request order (data shards before parity). A stripe needs any k of its shards, so when the next data shard's
    /// holders are all busy, a shard on an idle link serves the stripe as well: taking shards in slot order stacked
    /// requests on some links while others sat idle between answers. When every holder is busy, the one busy the
    /// longest gets the request: its answer ends first, and the new request then keeps its link from idling for the
    /// round trip a request takes.
    /// </summary>
    private void StartRequests(List<StripeState> window)
    {
        // The monitor counts a request once its fetch task reaches the peer, which need not happen before this loop
        // picks the next shard; requests started in this pass are counted here too, so one pass cannot send all of
        // them to the same idle holder.
        _startedThisPass.Clear();
        while (_inFlight < _options.MaxConcurrentRetrievals)
        {
            StripeState? bestStripe = null;
            int bestSlot = -1;
            Libp2p.Identity.PeerId? bestHolder = null;
            (int Active, long BusySince) best = (int.MaxValue, long.MaxValue);
            foreach (var stripe in window)
            {
                if (!stripe.NeedsMoreRequests)
                {
                    continue;
                }
                foreach (int slot in stripe.UnrequestedSlots)
                {
                    var (holder, load) = LeastBusyHolder(stripe, slot);
                    if (load.CompareTo(best) < 0)
                    {
                        (bestStripe, bestSlot, bestHolder, best) = (stripe, slot, holder, load);
                    }
                    if (load.Active == 0)
                    {
                        break;
                    }
                }
                if (best.Active == 0)
                {
                    break;
                }
            }
            if (bestStripe is null)
            {
                return;
            }
            if (bestHolder is { } predicted)
            {
                _startedThisPass[predicted] = _startedThisPass.GetValueOrDefault(predicted) + 1;
            }
            Start(bestStripe, bestStripe.Take(bestSlot));
        }
    }

    /// <summary>The least busy known holder of a shard: its requests in flight, then since when it has been busy;
    /// none and idle when its holders are not known yet (nothing to weigh: it keeps its place in request order).</summary>
    private (Libp2p.Identity.PeerId? Holder, (int Active, long BusySince) Load) LeastBusyHolder(StripeState stripe, int slot)
    {
        IReadOnlyList<Libp2p.Identity.PeerId>? holders = stripe.Descriptor.HolderHints?[slot];
        if (holders is null && _options.UsePlacementHints && stripe.Placement is { CompletedPlan: { } plan } placement)
        {
            int planned = placement.SlotOf(stripe.Descriptor.Shards[slot]);
            holders = planned >= 0 ? plan[planned] : null;
        }
        if (holders is not { Count: > 0 })
        {
            return (null, (0, long.MaxValue));
        }
        Libp2p.Identity.PeerId? leastHolder = null;
        (int Active, long BusySince) least = (int.MaxValue, long.MaxValue);
        foreach (var holder in holders)
        {
            var activity = _monitor.Activity(holder);
            if (_startedThisPass.TryGetValue(holder, out int started) && started > activity.Active)
            {
                activity = (started, activity.Active == 0 ? long.MaxValue - 1 : activity.BusySince);
            }
            if (activity.CompareTo(least) < 0)
            {
                (leastHolder, least) = (holder, activity);
            }
        }
        return (leastHolder, least);
    }

    private void Start(StripeState stripe, int shardIndex)
    {
        _inFlight++;
        stripe.InFlight++;
        Track(FetchAsync(stripe, shardIndex));
    }

    private void Track(Task task)
    {
        if (_fetches.Count >= 4 * _options.MaxConcurrentRetrievals)
        {
            _fetches.RemoveAll(static task => task.IsCompleted);
        }
        _fetches.Add(task);
    }

    // Never throws: the plan is only a preference; a fetch that needs it plans again and falls back to a lookup.
    private async Task PrefetchPlanAsync(StripeState stripe)
    {
        try
        {
            await PlanAsync(stripe).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The stripe is done or the transfer ended: nothing to prefetch for.
        }
    }

    // Never throws: the outcome, good or bad, goes to the coordinating loop.
    private async Task FetchAsync(StripeState stripe, int shardIndex)
    {
        var descriptor = stripe.Descriptor;
        Completion completion;
        try
        {
            var hints = descriptor.HolderHints?[shardIndex] ?? await PlannedHoldersAsync(stripe, shardIndex).ConfigureAwait(false);
            var fetched = await _fetcher.FetchAsync(descriptor.Shards[shardIndex], descriptor.ShardLength,
                hints, _monitor, stripe.Token).ConfigureAwait(false);
            completion = new Completion(stripe, shardIndex, fetched, null);
        }
        catch (Exception ex)
        {
            completion = new Completion(stripe, shardIndex, null, ex);
        }
        _completions.Writer.TryWrite(completion);
    }

    /// <summary>Where the stripe's placement rule puts this shard among the peers the network reports now: the
    /// uploader used the same rule, so in a mesh that has not changed these are the holders. Null when unknown.</summary>
    private async ValueTask<IReadOnlyList<Libp2p.Identity.PeerId>?> PlannedHoldersAsync(StripeState stripe, int shardIndex)
    {
        int slot = stripe.Placement?.SlotOf(stripe.Descriptor.Shards[shardIndex]) ?? -1;
        return slot >= 0 && await PlanAsync(stripe).ConfigureAwait(false) is { } plan ? plan[slot] : null;
    }

    /// <summary>The stripe's placement plan, computed once per stripe and shared by its requests; null when placement
    /// hints are off or planning failed (only a hint: the holder lookup proper still runs). Throws only when cancelled.</summary>
    private async ValueTask<IReadOnlyList<IReadOnlyList<Libp2p.Identity.PeerId>>?> PlanAsync(StripeState stripe)
    {
        if (!_options.UsePlacementHints || stripe.Placement is not { } placement)
        {
            return null;
        }
        try
        {
            int window = placement.WindowFor(_options.ReplicationFactor, _options.SparePlacementPeers);
            return await placement.GetPlanAsync(_network, _options.ReplicationFactor, window, stripe.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return null;
        }
    }

    private void Process(Completion completion)
    {
        _inFlight--;
        var stripe = completion.Stripe;
        stripe.InFlight--;
        var descriptor = stripe.Descriptor;
        if (stripe.IsReleased && stripe.InFlight == 0 && _draining.Remove(stripe))
        {
            stripe.DisposeToken();
        }
        if (completion.Result is { } fetched)
        {
            if (stripe.IsComplete || stripe.IsReleased)
            {
                ArrayPool<byte>.Shared.Return(fetched.Buffer);
                return;
            }
            stripe.Accept(completion.ShardIndex, fetched);
            _monitor.Completed(1, descriptor.ShardLength);
            return;
        }
        if (stripe.IsComplete || (completion.Error is OperationCanceledException && stripe.Token.IsCancellationRequested))
        {
            return;
        }
        stripe.Errors.Add($"shard {completion.ShardIndex} ({descriptor.Shards[completion.ShardIndex]}): {completion.Error?.Message}");
        stripe.Reasons.Add(ReasonOf(completion.Error));
        if (!stripe.CanStillComplete)
        {
            throw new StripeUnavailableException(descriptor.Index, descriptor.DataShardCount, stripe.Verified, stripe.Errors, stripe.Reasons);
        }
    }

    /// <summary>Why a shard could not be fetched, in words that do not name it (so a summary of many stays short).</summary>
    private static string ReasonOf(Exception? error) => error switch
    {
        NoPeersAvailableException none => none.Detail,
        ShardNotFoundException => "not held by the peers asked",
        ShardTimeoutException => "timed out",
        CorruptShardException => "corrupt data",
        _ => "other errors",
    };

    private async ValueTask DeliverAsync(StripeState stripe, StripeHandler handler, CancellationToken cancellationToken)
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            string peers = StripeSummary.Peers(stripe.ServedBy);
            Log.StripeRetrieved(_logger, stripe.Descriptor.Index, stripe.ServedBy.Count, stripe.ParityUsed, peers, stripe.Hedges, stripe.Retries, stripe.Errors.Count);
        }
        try
        {
            var (shards, present) = stripe.Lend();
            await handler(new RetrievedStripe(stripe.Descriptor, shards, present), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            stripe.Release();
            if (stripe.InFlight == 0)
            {
                stripe.DisposeToken();
            }
            else
            {
                _draining.Add(stripe);
            }
        }
        if (_journal is not null)
        {
            await _journal.RecordStripeCompleteAsync(stripe.Descriptor.Index, cancellationToken).ConfigureAwait(false);
        }
    }

    private readonly record struct Completion(StripeState Stripe, int ShardIndex, FetchedShard? Result, Exception? Error);
}
