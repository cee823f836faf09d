using DataMesh.Core.Peers;
using DataMesh.Core.Transfers;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Crypto;
using static DataMesh.Core.Tests.Transfers.TransferFixtures;

namespace DataMesh.Core.Tests.Transfers;

/// <summary>A blob of unknown length (a manifest) is fetched the way a shard is: ranked holders, hedging, per-peer
/// timeouts, verification and peer statistics.</summary>
public sealed class BlobFetchTests
{
    private const int Limit = 64 * 1024;

    [Fact]
    public async Task A_slow_manifest_holder_is_hedged_around_and_both_holders_land_in_the_statistics()
    {
        var network = new FakeShardNetwork(2);
        byte[] manifest = RandomBytes(5_000, seed: 11);
        ContentHash address = ContentHash.Compute(manifest);
        foreach (FakePeer peer in network.Peers)
        {
            peer.Store[address] = manifest;
        }

        // Whichever holder is asked first does not answer; the other is asked while it is still waiting (the hedge),
        // and answers once the first one's per-peer timeout is in the statistics (a hedge that merely wins the race
        // cancels the loser, and a cancelled request is not charged).
        var firstGivenUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var statistics = new PeerStatistics();
        var slowAnswers = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int arrivals = 0;
        PeerId? slow = null;
        bool hedgedWhileSlowWaited = false;
        foreach (FakePeer peer in network.Peers)
        {
            peer.BeforeAnswer = async cancellationToken =>
            {
                if (Interlocked.Increment(ref arrivals) == 1)
                {
                    slow = peer.Id;
                    try
                    {
                        await slowAnswers.Task.WaitAsync(cancellationToken);
                    }
                    finally
                    {
                        firstGivenUp.TrySetResult();
                    }
                    return;
                }
                hedgedWhileSlowWaited = !firstGivenUp.Task.IsCompleted;
                await firstGivenUp.Task.WaitAsync(cancellationToken);
                while (!(statistics.TryGetSnapshot(slow!, out PeerStatsSnapshot? charged) && charged.Timeouts > 0))
                {
                    await Task.Delay(5, cancellationToken);
                }
            };
        }
        ChunkTransferOptions options = FastOptions with
        {
            // The hedge goes out halfway through the first holder's time, so the second has as long again to answer.
            PeerResponseTimeout = TimeSpan.FromSeconds(2),
            UnmeasuredPeerHedgeDelay = TimeSpan.FromSeconds(1),
            RetryFailedChunks = 0,
        };

        byte[] fetched = await Manager(network, options, statistics).FetchBlobAsync(address, Limit, CancellationToken.None);

        Assert.False(slowAnswers.Task.IsCompleted); // the slow holder never answered: the fetch did not wait for it
        Assert.Equal(manifest, fetched);
        Assert.True(hedgedWhileSlowWaited, "the second holder was asked only after the first gave up: a failover, not a hedge");
        PeerId fast = network.Peers.Select(p => p.Id).Single(id => !id.Equals(slow));
        Assert.True(statistics.TryGetSnapshot(fast, out PeerStatsSnapshot? served));
        Assert.Equal(1, served.Successes);
        Assert.Equal(manifest.Length, served.BytesReceived);
        Assert.True(statistics.TryGetSnapshot(slow!, out PeerStatsSnapshot? waited));
        Assert.Equal(1, waited.Timeouts);
        Assert.Equal(0, waited.Successes);
    }

    [Fact]
    public async Task A_holder_without_the_blob_is_not_charged_and_a_corrupt_one_is()
    {
        var network = new FakeShardNetwork(3);
        byte[] manifest = RandomBytes(3_000, seed: 12);
        ContentHash address = ContentHash.Compute(manifest);
        network[1].Store[address] = manifest;
        network[2].Store[address] = manifest;
        network[2].ReturnsCorruptData = true;
        network.StaleProviders.Add(network[0].Id);
        var statistics = new PeerStatistics();

        byte[] fetched = await Manager(network, statistics: statistics).FetchBlobAsync(address, Limit, CancellationToken.None);

        Assert.Equal(manifest, fetched);
        Assert.True(statistics.TryGetSnapshot(network[1].Id, out PeerStatsSnapshot? good));
        Assert.Equal(manifest.Length, good.BytesReceived);
        if (statistics.TryGetSnapshot(network[0].Id, out PeerStatsSnapshot? stale))
        {
            Assert.Equal(0, stale.Failures);
        }
        if (network[2].Fetches > 0)
        {
            Assert.True(statistics.TryGetSnapshot(network[2].Id, out PeerStatsSnapshot? corrupt));
            Assert.Equal(1, corrupt.CorruptResponses);
        }
    }

    [Fact]
    public async Task No_holder_fails_with_what_each_answered()
    {
        var network = new FakeShardNetwork(2);
        byte[] manifest = RandomBytes(1_000, seed: 13);
        ContentHash address = ContentHash.Compute(manifest);

        var none = await Assert.ThrowsAsync<BlobUnavailableException>(() => Manager(network).FetchBlobAsync(address, Limit, CancellationToken.None));
        Assert.True(none.NoHolderKnown);

        network.StaleProviders.Add(network[0].Id);
        var missing = await Assert.ThrowsAsync<BlobUnavailableException>(() => Manager(network).FetchBlobAsync(address, Limit, CancellationToken.None));
        Assert.False(missing.NoHolderKnown);
        Assert.Contains(network[0].Id.ToString(), missing.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_blob_over_the_limit_is_refused()
    {
        var network = new FakeShardNetwork(1);
        byte[] large = RandomBytes(Limit + 1, seed: 14);
        ContentHash address = ContentHash.Compute(large);
        network[0].Store[address] = large;

        await Assert.ThrowsAsync<BlobUnavailableException>(() => Manager(network).FetchBlobAsync(address, Limit, CancellationToken.None));
    }
}
