using System.Threading.Channels;
using DataMesh.Core.Peers;
using DataMesh.Core.Transfers;
using DataMesh.Storage.Addressing;
using static DataMesh.Core.Tests.Transfers.TransferFixtures;

namespace DataMesh.Core.Tests.Transfers;

public sealed class UploadTests
{
    private static byte[][] Blobs(int count, int length) => [.. Enumerable.Range(1, count).Select(i => RandomBytes(length, i))];

    [Fact]
    public async Task Every_shard_is_confirmed_by_ReplicationFactor_distinct_peers_that_really_hold_it()
    {
        var network = new FakeShardNetwork(6);
        var blobs = Blobs(10, 500);

        var result = await Manager(network, FastOptions with { ReplicationFactor = 3 }).UploadAsync(AsShards(blobs));

        Assert.Equal(10, result.Shards.Count);
        for (int i = 0; i < blobs.Length; i++)
        {
            var stored = result.Shards[i];
            Assert.Equal(ContentHash.Compute(blobs[i]), stored.Shard); // input order kept
            Assert.Equal(3, stored.Holders.Distinct().Count());
            Assert.All(stored.Holders, holder => Assert.True(network.Peers.Single(p => p.Id.Equals(holder)).Store.ContainsKey(stored.Shard)));
        }
        Assert.Equal(10, result.Statistics.Shards);
        Assert.Equal(5000, result.Statistics.Bytes);
    }

    [Fact]
    public async Task Progress_counts_file_bytes_so_parity_shards_add_shards_but_no_bytes()
    {
        var network = new FakeShardNetwork(6);
        byte[][] blobs = Blobs(6, 300); // one stripe: 4 data shards, 2 parity
        var reports = new List<TransferProgress>();
        var progress = new SynchronousProgress<TransferProgress>(reports.Add);

        await Manager(network).UploadAsync(Stripe(blobs, k: 4), new TransferTotals(6, 4 * 300), progress);

        Assert.Equal(6, reports.Count);
        Assert.Equal(1200, reports[^1].BytesDone);
        Assert.Equal(1200, reports[^1].TotalBytes);
        Assert.Equal(6, reports[^1].ShardsDone);
        Assert.All(reports, report => Assert.True(report.BytesDone <= report.TotalBytes));
    }

    private static async IAsyncEnumerable<ShardToUpload> Stripe(byte[][] blobs, int k)
    {
        for (int i = 0; i < blobs.Length; i++)
        {
            await Task.Yield();
            yield return new ShardToUpload(ContentHash.Compute(blobs[i]), blobs[i]) { Stripe = 0, IsParity = i >= k };
        }
    }

    [Fact]
    public async Task A_refusing_peer_is_replaced_by_a_fallback_and_never_listed_as_holder()
    {
        var network = new FakeShardNetwork(4);
        network[2].RejectsStores = ShardRejectionReason.OverQuota;
        var statistics = new PeerStatistics();

        var result = await Manager(network, FastOptions with { ReplicationFactor = 3 }, statistics).UploadAsync(AsShards(Blobs(6, 100)));

        Assert.All(result.Shards, shard =>
        {
            Assert.Equal(3, shard.Holders.Count);
            Assert.DoesNotContain(network[2].Id, shard.Holders);
        });
        Assert.Empty(network[2].Store);
        Assert.Equal(0, result.Statistics.Retries); // the fallback was in the same round
    }

    [Fact]
    public async Task An_upload_that_cannot_reach_its_target_fails_loudly_with_the_shard_list()
    {
        var network = new FakeShardNetwork(3);
        network[0].RejectsStores = ShardRejectionReason.TooLarge;
        var blobs = Blobs(3, 100);
        var options = FastOptions with { ReplicationFactor = 3, RetryFailedChunks = 1, MaxConcurrentUploads = 1 };

        var error = await Assert.ThrowsAsync<UploadFailedException>(() => Manager(network, options).UploadAsync(AsShards(blobs)));

        // The first shard fails; no later shard is started after that, none is reported stored.
        var failure = Assert.Single(error.Failures);
        Assert.Equal(ContentHash.Compute(blobs[0]), failure.Shard);
        Assert.Equal(3, failure.Required);
        Assert.Equal(2, failure.Holders.Count);
        Assert.Contains(failure.Errors, e => e.Contains("TooLarge", StringComparison.Ordinal));
        Assert.Empty(error.Stored);
        Assert.Contains(failure.Shard.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains("2/3 acknowledged", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_failure_the_rest_of_a_bounded_channel_is_drained_so_its_producer_finishes()
    {
        var network = new FakeShardNetwork(3);
        network[0].RejectsStores = ShardRejectionReason.TooLarge;
        var options = FastOptions with { ReplicationFactor = 3, RetryFailedChunks = 0, MaxConcurrentUploads = 1 };
        var channel = Channel.CreateBounded<ShardToUpload>(2);
        var owners = Blobs(10, 64).Select(blob => new TrackingOwner(blob)).ToList();
        async Task ProduceAsync()
        {
            foreach (var owner in owners)
            {
                await channel.Writer.WriteAsync(new ShardToUpload(ContentHash.Compute(owner.Memory.Span), owner.Memory, owner));
            }
            channel.Writer.Complete();
        }

        var upload = Manager(network, options).UploadAsync(channel.Reader);
        var producer = ProduceAsync();

        // Before the fix the producer waited forever on the full channel once the upload had stopped reading.
        await producer.WaitAsync(TimeSpan.FromSeconds(10));
        var error = await Assert.ThrowsAsync<UploadFailedException>(() => upload.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Single(error.Failures);
        Assert.Equal(1, network.Peers.Max(p => p.Stores));
        Assert.All(owners, owner => Assert.True(owner.Disposed));
    }

    [Fact]
    public async Task With_some_shards_failing_only_fully_replicated_shards_are_reported_stored()
    {
        var network = new FakeShardNetwork(3);
        var blobs = Blobs(8, 64);
        var doomed = new[] { ContentHash.Compute(blobs[2]), ContentHash.Compute(blobs[5]) };
        network[1].RejectsShards.UnionWith(doomed);
        var options = FastOptions with { ReplicationFactor = 3, MaxConcurrentUploads = 3, RetryFailedChunks = 0 };

        var error = await Assert.ThrowsAsync<UploadFailedException>(() => Manager(network, options).UploadAsync(AsShards(blobs)));

        Assert.NotEmpty(error.Failures);
        Assert.All(error.Failures, failure => Assert.Contains(failure.Shard, doomed));
        Assert.All(error.Stored, stored =>
        {
            Assert.DoesNotContain(stored.Shard, doomed);
            Assert.Equal(3, stored.Holders.Count);
        });
        Assert.Equal(0, network.InFlight);
    }

    [Fact]
    public async Task Failed_stores_are_retried_with_backoff_on_other_peers_first()
    {
        var network = new FakeShardNetwork(3);
        network[0].FailFirstRequests = 1;
        network[1].FailFirstRequests = 1;
        var statistics = new PeerStatistics();
        var options = FastOptions with { ReplicationFactor = 3, RetryFailedChunks = 3, MaxConcurrentUploads = 1 };

        var result = await Manager(network, options, statistics).UploadAsync(AsShards(Blobs(1, 64)));

        Assert.Equal(3, Assert.Single(result.Shards).Holders.Count);
        Assert.Equal(1, result.Statistics.Retries);
        Assert.Equal(2, statistics.GetSnapshots().Sum(s => s.Failures));
    }

    [Fact]
    public async Task Max_concurrent_uploads_is_never_exceeded_and_the_pooled_owners_are_released()
    {
        var network = new FakeShardNetwork(6);
        foreach (var peer in network.Peers)
        {
            peer.Latency = TimeSpan.FromMilliseconds(10);
        }
        var owners = new List<TrackingOwner>();
        var channel = Channel.CreateUnbounded<ShardToUpload>();
        foreach (var blob in Blobs(12, 64))
        {
            var owner = new TrackingOwner(blob);
            owners.Add(owner);
            await channel.Writer.WriteAsync(new ShardToUpload(ContentHash.Compute(blob), blob, owner));
        }
        channel.Writer.Complete();
        var options = FastOptions with { MaxConcurrentUploads = 2, ReplicationFactor = 2 };

        var result = await Manager(network, options).UploadAsync(channel.Reader, new TransferTotals(12, 12 * 64));

        Assert.Equal(12, result.Shards.Count);
        Assert.InRange(network.MaxDistinctShardsInFlight, 1, 2);
        Assert.InRange(network.MaxConcurrentStores, 2, 4);
        Assert.All(owners, owner => Assert.True(owner.Disposed));
    }

    [Fact]
    public async Task Concurrency_one_uploads_sequentially()
    {
        var network = new FakeShardNetwork(3);
        var options = FastOptions with { MaxConcurrentUploads = 1, ReplicationFactor = 1 };

        var result = await Manager(network, options).UploadAsync(AsShards(Blobs(5, 32)));

        Assert.Equal(5, result.Shards.Count);
        Assert.Equal(1, network.MaxConcurrentStores);
    }

    [Fact]
    public async Task Cancelling_an_upload_stops_it_and_leaves_no_store_running()
    {
        var network = new FakeShardNetwork(4);
        foreach (var peer in network.Peers)
        {
            peer.NeverAnswers = true;
        }
        using var cts = new CancellationTokenSource();
        var upload = Manager(network).UploadAsync(AsShards(Blobs(8, 32)), cancellationToken: cts.Token);
        await Polling.WaitUntilAsync(() => network.InFlight >= 3);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => upload.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, network.InFlight);
    }

    private sealed class TrackingOwner(byte[] data) : System.Buffers.IMemoryOwner<byte>
    {
        public bool Disposed { get; private set; }
        public Memory<byte> Memory => data;
        public void Dispose() => Disposed = true;
    }
}
