using System.Buffers;
using System.Threading.Channels;

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
    private readonly Channel<Completion> _completions = Channel.CreateUnbounded<Completion>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly List<Task> _fetches = [];
    private readonly HashSet<StripeState> _draining = [];
    private int _inFlight;

    public StripeRetrieval(IShardNetwork network, ShardFetcher fetcher, ChunkTransferOptions options, TransferMonitor monitor, TransferJournal? journal)
    {
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
                        _monitor.Completed(descriptor.DataShardCount, (long)descriptor.DataShardCount * descriptor.ShardLength);
                        continue;
                    }
                    window.Add(new StripeState(descriptor, operation.Token));
                }
                if (window.Count == 0)
                {
                    return (delivered, skipped);
                }
                if (window[0].IsComplete)
                {
                    var head = window[0];
                    window.RemoveAt(0);
                    await DeliverAsync(head, handler, cancellationToken).ConfigureAwait(false);
                    delivered++;
                    continue;
                }
                foreach (var stripe in window)
                {
                    while (_inFlight < _options.MaxConcurrentRetrievals && stripe.NeedsMoreRequests)
                    {
                        Start(stripe, stripe.TakeNextShard());
                    }
                }
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

    private void Start(StripeState stripe, int shardIndex)
    {
        _inFlight++;
        stripe.InFlight++;
        if (_fetches.Count >= 4 * _options.MaxConcurrentRetrievals)
        {
            _fetches.RemoveAll(static task => task.IsCompleted);
        }
        _fetches.Add(FetchAsync(stripe, shardIndex));
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
        var placement = stripe.Placement;
        int slot = placement?.SlotOf(stripe.Descriptor.Shards[shardIndex]) ?? -1;
        if (!_options.UsePlacementHints || placement is null || slot < 0)
        {
            return null;
        }
        try
        {
            int window = placement.WindowFor(_options.ReplicationFactor, _options.SparePlacementPeers);
            var plan = await placement.GetPlanAsync(_network, _options.ReplicationFactor, window, stripe.Token).ConfigureAwait(false);
            return plan[slot];
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Only a hint: the holder lookup proper still runs.
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
            stripe.Accept(completion.ShardIndex, fetched.Buffer);
            _monitor.Completed(1, descriptor.ShardLength);
            return;
        }
        if (stripe.IsComplete || (completion.Error is OperationCanceledException && stripe.Token.IsCancellationRequested))
        {
            return;
        }
        stripe.Errors.Add($"shard {completion.ShardIndex} ({descriptor.Shards[completion.ShardIndex]}): {completion.Error?.Message}");
        if (!stripe.CanStillComplete)
        {
            throw new StripeUnavailableException(descriptor.Index, descriptor.DataShardCount, stripe.Verified, stripe.Errors);
        }
    }

    private async ValueTask DeliverAsync(StripeState stripe, StripeHandler handler, CancellationToken cancellationToken)
    {
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
