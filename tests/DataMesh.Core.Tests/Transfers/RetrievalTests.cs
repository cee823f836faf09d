using DataMesh.Core.Peers;
using DataMesh.Core.Transfers;
using DataMesh.Storage.Addressing;
using Microsoft.Extensions.Time.Testing;
using static DataMesh.Core.Tests.Transfers.TransferFixtures;

namespace DataMesh.Core.Tests.Transfers;

public sealed class RetrievalTests
{
    [Fact]
    public async Task Retrieves_every_stripe_in_order_with_k_verified_shards()
    {
        var network = new FakeShardNetwork(6);
        network[0].Latency = TimeSpan.FromMilliseconds(15); // stripe 0's first shard is the slowest
        var originals = new Dictionary<int, byte[][]>();
        var stripes = new List<StripeDescriptor>();
        for (int s = 0; s < 5; s++)
        {
            var (stripe, shards) = PlaceStripe(network, s, k: 4, m: 2, shardLength: 1000, firstPeer: s);
            stripes.Add(stripe);
            originals[s] = shards;
        }
        var handler = new CheckingHandler(originals);

        var result = await Manager(network).RetrieveAsync(stripes, handler.HandleAsync);

        Assert.Equal([0, 1, 2, 3, 4], handler.Delivered);
        Assert.Equal(5, result.StripesDelivered);
        Assert.Equal(20, result.Statistics.Shards);
        Assert.Equal(20_000, result.Statistics.Bytes);
        // Data shards are asked first; with all peers healthy no parity is needed.
        Assert.All(handler.Present.Values, present => Assert.Equal([true, true, true, true, false, false], present));
    }

    [Fact]
    public async Task Up_to_m_lost_shards_per_stripe_still_retrieve_using_parity()
    {
        var network = new FakeShardNetwork(6);
        var (stripe, shards) = PlaceStripe(network, 3, k: 4, m: 2, shardLength: 512);
        network[1].Offline = true; // data shard 1
        network[2].Offline = true; // data shard 2
        var handler = new CheckingHandler(new() { [3] = shards });

        await Manager(network).RetrieveStripeAsync(stripe, handler.HandleAsync);

        Assert.Equal([true, false, false, true, true, true], handler.Present[3]);
    }

    [Fact]
    public async Task Too_many_lost_shards_fail_with_an_error_naming_the_stripe()
    {
        var network = new FakeShardNetwork(6);
        var (ok, okShards) = PlaceStripe(network, 0, k: 4, m: 2, shardLength: 256, firstPeer: 3);
        var (bad, _) = PlaceStripe(network, 1, k: 4, m: 2, shardLength: 256);
        foreach (var hash in bad.Shards.Take(3))
        {
            foreach (var peer in network.Peers)
            {
                peer.Store.TryRemove(hash, out _);
            }
        }
        var handler = new CheckingHandler(new() { [0] = okShards });

        var error = await Assert.ThrowsAsync<StripeUnavailableException>(
            () => Manager(network).RetrieveAsync([ok, bad], handler.HandleAsync));

        Assert.Equal(1, error.StripeIndex);
        Assert.Equal(4, error.Required);
        Assert.Contains("Stripe 1", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, network.InFlight);
    }

    [Fact]
    public async Task A_stripe_that_is_gone_is_summarised_by_reason_and_its_shard_addresses_stay_in_Errors()
    {
        var network = new FakeShardNetwork(6);
        var (gone, _) = PlaceStripe(network, 0, k: 4, m: 2, shardLength: 256);
        foreach (var peer in network.Peers)
        {
            peer.Store.Clear();
        }

        var error = await Assert.ThrowsAsync<StripeUnavailableException>(
            () => Manager(network).RetrieveAsync([gone], new CheckingHandler([]).HandleAsync));

        // A removed file: every shard fails. The message counts the failures and names no shard.
        Assert.All(gone.Shards, hash => Assert.DoesNotContain(hash.ToString(), error.Message, StringComparison.Ordinal));
        Assert.Contains("shard request(s) failed", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 300, error.Message);
        Assert.Contains(error.Errors, e => gone.Shards.Any(hash => e.Contains(hash.ToString(), StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Hedging_fetches_from_the_fast_peer_when_the_first_is_slow_and_the_statistics_show_it()
    {
        var network = new FakeShardNetwork(2);
        var slow = network[0];
        var fast = network[1];
        var statistics = new PeerStatistics();
        // History ranks the slow peer first: it used to answer in 1 ms; the other in 30 ms.
        for (int i = 0; i < 5; i++)
        {
            statistics.RecordSuccess(slow.Id, TimeSpan.FromMilliseconds(1), 100, 0);
            statistics.RecordSuccess(fast.Id, TimeSpan.FromMilliseconds(30), 100, 0);
        }
        var data = RandomBytes(4096, 1);
        var hash = ContentHash.Compute(data);
        slow.Store[hash] = data;
        fast.Store[hash] = data;
        slow.NeverAnswers = true;
        var options = FastOptions with { MaxHedgedAttempts = 1, RetryFailedChunks = 0 };
        var stripe = new StripeDescriptor(0, 1, [hash], data.Length);
        var handler = new CheckingHandler(new() { [0] = [data] });

        var result = await Manager(network, options, statistics).RetrieveAsync([stripe], handler.HandleAsync);

        Assert.Equal(1, slow.Fetches);
        Assert.Equal(1, fast.Fetches);
        Assert.Equal(1, result.Statistics.HedgesFired);
        Assert.Equal(1, result.Statistics.HedgesWon);
        Assert.Equal(fast.Id, result.Statistics.FastestPeer);
        Assert.True(statistics.TryGetSnapshot(fast.Id, out var fastStats));
        Assert.Equal(6, fastStats!.Successes);
        Assert.True(statistics.TryGetSnapshot(slow.Id, out var slowStats));
        Assert.Equal(5, slowStats!.Successes); // the hedge cancelled it; a lost race is not charged as a failure
        Assert.Equal(0, slowStats.Failures);
        Assert.Equal(0, network.InFlight);
    }

    [Fact]
    public async Task A_peer_that_does_not_answer_in_time_is_charged_a_timeout_and_another_peer_serves()
    {
        var network = new FakeShardNetwork(2);
        var data = RandomBytes(100, 2);
        var hash = ContentHash.Compute(data);
        network[0].Store[hash] = data;
        network[1].Store[hash] = data;
        network[0].NeverAnswers = true;
        network[1].NeverAnswers = true;
        var statistics = new PeerStatistics();
        var options = FastOptions with { MaxHedgedAttempts = 0, RetryFailedChunks = 20, PeerResponseTimeout = TimeSpan.FromMilliseconds(50) };
        var manager = Manager(network, options, statistics);
        var stripe = new StripeDescriptor(0, 1, [hash], data.Length);

        var first = manager.RetrieveStripeAsync(stripe, new CheckingHandler(new() { [0] = [data] }).HandleAsync);
        await Polling.WaitUntilAsync(() => statistics.GetSnapshots().Sum(s => s.Timeouts) > 0);
        network[0].NeverAnswers = false;
        network[1].NeverAnswers = false;
        await first;

        Assert.True(statistics.GetSnapshots().Sum(s => s.Timeouts) >= 1);
        Assert.True(statistics.GetSnapshots().Sum(s => s.Successes) == 1);
    }

    [Fact]
    public async Task A_stale_provider_record_costs_one_request_and_the_real_holder_serves()
    {
        var network = new FakeShardNetwork(3);
        var (stripe, shards) = PlaceStripe(network, 0, k: 1, m: 0, shardLength: 100, firstPeer: 2);
        network.StaleProviders.Add(network[0].Id);
        network.StaleProviders.Add(network[1].Id);
        var statistics = new PeerStatistics();

        await Manager(network, FastOptions with { MaxHedgedAttempts = 0, RetryFailedChunks = 3 }, statistics)
            .RetrieveAsync([stripe], new CheckingHandler(new() { [0] = shards }).HandleAsync);

        Assert.Equal(1, network[2].Fetches);
        // "I do not hold it" is an honest answer, not a peer failure: it must not rank those peers down.
        Assert.Equal(0, statistics.GetSnapshots().Sum(s => s.Failures));
    }

    [Fact]
    public async Task Where_the_upload_put_a_shard_is_asked_before_the_spare_candidates_of_the_lookup()
    {
        // The lookup lists the replication factor's holders first, then as many spares (as the mesh's XOR lookup
        // does with twice the replication factor): the spares must only be asked when the holders fail.
        var network = new FakeShardNetwork(6);
        var originals = new Dictionary<int, byte[][]>();
        var stripes = new List<StripeDescriptor>();
        for (int index = 0; index < 4; index++)
        {
            var shards = Enumerable.Range(0, 4).Select(i => RandomBytes(100, (index * 10) + i + 1)).ToArray();
            foreach (var shard in shards)
            {
                foreach (var holder in network.Peers.Take(3))
                {
                    holder.Store[ContentHash.Compute(shard)] = shard;
                }
            }
            originals[index] = shards;
            stripes.Add(new StripeDescriptor(index, 4, [.. shards.Select(s => ContentHash.Compute(s))], 100));
        }
        foreach (var spare in network.Peers.Skip(3))
        {
            network.StaleProviders.Add(spare.Id);
        }

        await Manager(network, FastOptions with { MaxHedgedAttempts = 0, ReplicationFactor = 3 })
            .RetrieveAsync(stripes, new CheckingHandler(originals).HandleAsync);

        Assert.Equal(16, network.Peers.Take(3).Sum(p => p.Fetches));
        Assert.All(network.Peers.Skip(3), spare => Assert.Equal(0, spare.Fetches));
    }

    [Fact]
    public async Task Concurrent_fetches_spread_over_the_holders_instead_of_queueing_on_the_best_ranked_one()
    {
        // Every shard is on all four peers and peer 0 has measured fastest: rank alone would send all four
        // concurrent fetches to it while the other holders idle.
        var network = new FakeShardNetwork(4);
        foreach (var peer in network.Peers)
        {
            peer.Latency = TimeSpan.FromMilliseconds(30);
        }
        var statistics = new PeerStatistics();
        for (int i = 0; i < 20; i++)
        {
            statistics.RecordSuccess(network[0].Id, TimeSpan.FromMilliseconds(1), 100, 0);
            for (int p = 1; p < 4; p++)
            {
                statistics.RecordSuccess(network[p].Id, TimeSpan.FromMilliseconds(40), 100, 0);
            }
        }
        var originals = new Dictionary<int, byte[][]>();
        var stripes = new List<StripeDescriptor>();
        for (int index = 0; index < 4; index++)
        {
            var shards = Enumerable.Range(0, 4).Select(i => RandomBytes(100, (index * 10) + i + 1)).ToArray();
            foreach (var shard in shards)
            {
                foreach (var holder in network.Peers)
                {
                    holder.Store[ContentHash.Compute(shard)] = shard;
                }
            }
            originals[index] = shards;
            stripes.Add(new StripeDescriptor(index, 4, [.. shards.Select(s => ContentHash.Compute(s))], 100));
        }

        await Manager(network, FastOptions with { MaxHedgedAttempts = 0, MaxConcurrentRetrievals = 4, ReplicationFactor = 4 }, statistics)
            .RetrieveAsync(stripes, new CheckingHandler(originals).HandleAsync);

        Assert.Equal(4, network.MaxConcurrentFetches);
        Assert.All(network.Peers, peer => Assert.True(peer.MaxFetchesInFlight <= 2, $"{peer.MaxFetchesInFlight} fetches in flight on one peer"));
        Assert.All(network.Peers, peer => Assert.True(peer.Fetches >= 2, $"a holder served only {peer.Fetches} of 16 fetches"));
    }

    [Fact]
    public async Task Peers_that_answer_not_found_are_asked_and_not_charged_a_failure()
    {
        var network = new FakeShardNetwork(3);
        var (stripe, shards) = PlaceStripe(network, 0, k: 1, m: 0, shardLength: 100, firstPeer: 2);
        // Only stale records are known at first: the manager must ask them, then retry and find the holder.
        network.StaleProviders.Add(network[0].Id);
        network.StaleProviders.Add(network[1].Id);
        var statistics = new PeerStatistics();
        var ranked = Manager(network, FastOptions with { MaxHedgedAttempts = 0, RetryFailedChunks = 3, PreferFastPeers = false }, statistics);

        for (int i = 0; i < 5 && network[0].Fetches + network[1].Fetches == 0; i++)
        {
            await ranked.RetrieveAsync([stripe], new CheckingHandler(new() { [0] = shards }).HandleAsync);
        }

        Assert.True(network[0].Fetches + network[1].Fetches > 0, "a stale provider should have been asked at least once");
        Assert.All(statistics.GetSnapshots().Where(s => s.PeerId != network[2].Id), s => Assert.Equal(0, s.Failures));
    }

    [Fact]
    public async Task Transient_failures_are_retried_until_the_shard_arrives()
    {
        var network = new FakeShardNetwork(1);
        var (stripe, shards) = PlaceStripe(network, 0, k: 1, m: 0, shardLength: 300);
        network[0].FailFirstRequests = 2;
        var statistics = new PeerStatistics();
        var options = FastOptions with { MaxHedgedAttempts = 0, RetryFailedChunks = 3 };

        var result = await Manager(network, options, statistics).RetrieveAsync([stripe], new CheckingHandler(new() { [0] = shards }).HandleAsync);

        Assert.Equal(2, result.Statistics.Retries);
        Assert.Equal(3, network[0].Fetches);
        Assert.True(statistics.TryGetSnapshot(network[0].Id, out var snapshot));
        Assert.Equal(2, snapshot!.Failures);
        Assert.Equal(1, snapshot.Successes);
    }

    [Fact]
    public async Task Corrupt_bytes_are_rejected_the_peer_banned_and_the_shard_fetched_elsewhere()
    {
        var network = new FakeShardNetwork(2);
        var liar = network[0];
        var honest = network[1];
        var statistics = new PeerStatistics();
        statistics.RecordSuccess(liar.Id, TimeSpan.FromMilliseconds(1), 10, 0); // ranked first
        statistics.RecordSuccess(honest.Id, TimeSpan.FromMilliseconds(40), 10, 0);
        var data = RandomBytes(2048, 3);
        var hash = ContentHash.Compute(data);
        liar.Store[hash] = data;
        honest.Store[hash] = data;
        liar.ReturnsCorruptData = true;
        var stripe = new StripeDescriptor(0, 1, [hash], data.Length);

        await Manager(network, FastOptions with { MaxHedgedAttempts = 0 }, statistics)
            .RetrieveAsync([stripe], new CheckingHandler(new() { [0] = [data] }).HandleAsync);

        Assert.Equal(1, liar.Fetches);
        Assert.Equal(1, honest.Fetches);
        Assert.True(statistics.IsBanned(liar.Id));
        Assert.True(statistics.TryGetSnapshot(liar.Id, out var snapshot));
        Assert.Equal(1, snapshot!.CorruptResponses);
        Assert.NotNull(snapshot.BannedUntil);

        // Banned peers are not asked again, even when they are the only listed holder left.
        honest.Store.Clear();
        var error = await Assert.ThrowsAsync<StripeUnavailableException>(() => Manager(network, FastOptions, statistics)
            .RetrieveAsync([stripe], new CheckingHandler(new() { [0] = [data] }).HandleAsync));
        Assert.Contains("banned", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, liar.Fetches);
    }

    [Fact]
    public async Task Max_concurrent_retrievals_is_never_exceeded()
    {
        var network = new FakeShardNetwork(8);
        foreach (var peer in network.Peers)
        {
            peer.Latency = TimeSpan.FromMilliseconds(10);
        }
        var stripes = new List<StripeDescriptor>();
        var originals = new Dictionary<int, byte[][]>();
        for (int s = 0; s < 10; s++)
        {
            var (stripe, shards) = PlaceStripe(network, s, k: 4, m: 2, shardLength: 64, firstPeer: s);
            stripes.Add(stripe);
            originals[s] = shards;
        }
        var options = FastOptions with { MaxConcurrentRetrievals = 3, MaxHedgedAttempts = 0 };

        await Manager(network, options).RetrieveAsync(stripes, new CheckingHandler(originals).HandleAsync);

        Assert.InRange(network.MaxConcurrentFetches, 2, 3);
    }

    [Fact]
    public async Task With_hedging_the_limit_bounds_shards_in_flight_and_hedges_add_at_most_MaxHedgedAttempts_each()
    {
        var network = new FakeShardNetwork(8);
        foreach (var peer in network.Peers)
        {
            peer.Latency = TimeSpan.FromMilliseconds(40); // slower than the 20 ms hedge delay: hedges fire
        }
        var stripes = new List<StripeDescriptor>();
        var originals = new Dictionary<int, byte[][]>();
        for (int s = 0; s < 6; s++)
        {
            // Each shard on two peers so there is someone to hedge to.
            var (stripe, shards) = PlaceStripe(network, s, k: 2, m: 1, shardLength: 64, firstPeer: s);
            for (int i = 0; i < shards.Length; i++)
            {
                network[(s + i + 4) % 8].Store[stripe.Shards[i]] = shards[i];
            }
            stripes.Add(stripe);
            originals[s] = shards;
        }
        var options = FastOptions with { MaxConcurrentRetrievals = 2, MaxHedgedAttempts = 1, UnmeasuredPeerHedgeDelay = TimeSpan.FromMilliseconds(20) };

        var result = await Manager(network, options).RetrieveAsync(stripes, new CheckingHandler(originals).HandleAsync);

        Assert.True(result.Statistics.HedgesFired > 0);
        Assert.InRange(network.MaxDistinctShardsInFlight, 1, 2);
        Assert.InRange(network.MaxConcurrentFetches, 1, 2 * 2);
    }

    [Fact]
    public async Task Concurrency_one_is_the_sequential_mode()
    {
        var network = new FakeShardNetwork(3);
        var (stripe, shards) = PlaceStripe(network, 0, k: 3, m: 1, shardLength: 128);
        network[1].Offline = true;
        var options = FastOptions with { MaxConcurrentRetrievals = 1, MaxHedgedAttempts = 0 };
        var handler = new CheckingHandler(new() { [0] = shards });

        await Manager(network, options).RetrieveAsync([stripe], handler.HandleAsync);

        Assert.Equal(1, network.MaxConcurrentFetches);
        Assert.Equal([true, false, true, true], handler.Present[0]);
    }

    [Fact]
    public async Task Cancellation_stops_everything_promptly_and_leaves_nothing_running()
    {
        var network = new FakeShardNetwork(4);
        foreach (var peer in network.Peers)
        {
            peer.NeverAnswers = true;
        }
        var stripes = Enumerable.Range(0, 4).Select(s => PlaceStripe(network, s, k: 2, m: 2, shardLength: 64, firstPeer: s).Stripe).ToList();
        using var cts = new CancellationTokenSource();
        // The manager's clock never moves: no timeout, hedge or retry delay can end anything, only the cancellation.
        var manager = new ConcurrentChunkManager(network, new PeerStatistics(), FastOptions, new FakeTimeProvider(), random: new Random(7));
        var retrieval = manager.RetrieveAsync(stripes, (_, _) => default, cancellationToken: cts.Token);
        await Polling.WaitUntilAsync(() => network.InFlight >= 4);

        await cts.CancelAsync();
        // Returning at all proves it promptly stopped: with the clock frozen, nothing but the cancellation could end it.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => retrieval.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(0, network.InFlight); // every fetch was awaited before the call returned
    }

    [Fact]
    public async Task Progress_is_reported_per_shard_up_to_the_total()
    {
        var network = new FakeShardNetwork(4);
        var (stripe, shards) = PlaceStripe(network, 0, k: 3, m: 1, shardLength: 100);
        var reports = new List<TransferProgress>();
        var progress = new SynchronousProgress<TransferProgress>(reports.Add);

        await Manager(network).RetrieveAsync([stripe], new CheckingHandler(new() { [0] = shards }).HandleAsync, progress);

        Assert.Equal(3, reports.Count);
        Assert.Equal(300, reports[^1].BytesDone);
        Assert.Equal(300, reports[^1].TotalBytes);
        Assert.Equal(3, reports[^1].ShardsDone);
    }

    [Fact]
    public async Task Hostile_descriptors_are_refused_before_any_allocation()
    {
        var network = new FakeShardNetwork(1);
        var hash = ContentHash.Compute([1]);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Manager(network)
            .RetrieveAsync([new StripeDescriptor(0, 1, [hash], StripeDescriptor.MaxShardLength + 1)], (_, _) => default));
        await Assert.ThrowsAsync<ArgumentException>(() => Manager(network)
            .RetrieveAsync([new StripeDescriptor(0, 2, [hash], 10)], (_, _) => default));
    }
}

internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    private readonly object _gate = new();

    public void Report(T value)
    {
        lock (_gate)
        {
            report(value);
        }
    }
}
