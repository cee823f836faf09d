using DataMesh.Core.Peers;
using DataMesh.Core.Transfers;
using DataMesh.Storage.Addressing;

namespace DataMesh.Core.Tests.Transfers;

internal static class TransferFixtures
{
    /// <summary>Short timeouts and backoffs so failure paths run in milliseconds; generous enough never to fire by accident.</summary>
    public static ChunkTransferOptions FastOptions => new()
    {
        ChunkTimeout = TimeSpan.FromSeconds(20),
        PeerResponseTimeout = TimeSpan.FromSeconds(10),
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        RetryMaxDelay = TimeSpan.FromMilliseconds(10),
        MinHedgeDelay = TimeSpan.FromMilliseconds(20),
        UnmeasuredPeerHedgeDelay = TimeSpan.FromMilliseconds(200),
        // Most tests place shards by hand (PlaceStripe), not by the stripe placement rule, so the rule's hints would
        // only add "not found" requests ahead of the real holders. StripePlacementTests turn them on.
        UsePlacementHints = false,
    };

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A stripe of <paramref name="k"/>+<paramref name="m"/> random shards, shard i stored on peer (first + i) mod peers.</summary>
    public static (StripeDescriptor Stripe, byte[][] Shards) PlaceStripe(FakeShardNetwork network, int index, int k, int m, int shardLength, int firstPeer = 0)
    {
        var shards = new byte[k + m][];
        var hashes = new ContentHash[k + m];
        for (int i = 0; i < k + m; i++)
        {
            shards[i] = RandomBytes(shardLength, (index * 1000) + i + 1);
            hashes[i] = ContentHash.Compute(shards[i]);
            network[(firstPeer + i) % network.Peers.Count].Store[hashes[i]] = shards[i];
        }
        return (new StripeDescriptor(index, k, hashes, shardLength), shards);
    }

    public static ConcurrentChunkManager Manager(FakeShardNetwork network, ChunkTransferOptions? options = null, PeerStatistics? statistics = null) =>
        new(network, statistics ?? new PeerStatistics(), options ?? FastOptions, random: new Random(7));

    /// <summary>A handler that checks every present shard against the original bytes and records the stripe order.</summary>
    public sealed class CheckingHandler(Dictionary<int, byte[][]> originals)
    {
        public List<int> Delivered { get; } = [];
        public Dictionary<int, bool[]> Present { get; } = [];

        public ValueTask HandleAsync(RetrievedStripe stripe, CancellationToken _)
        {
            var expected = originals[stripe.Index];
            int present = 0;
            for (int i = 0; i < stripe.Shards.Length; i++)
            {
                Assert.Equal(stripe.Descriptor.ShardLength, stripe.Shards[i].Length);
                if (stripe.Present[i])
                {
                    present++;
                    Assert.True(stripe.Shards[i].Span.SequenceEqual(expected[i]), $"stripe {stripe.Index} shard {i} differs");
                }
            }
            Assert.Equal(stripe.Descriptor.DataShardCount, present);
            Delivered.Add(stripe.Index);
            Present[stripe.Index] = stripe.Present.ToArray();
            return default;
        }
    }

    public static async IAsyncEnumerable<ShardToUpload> AsShards(IEnumerable<byte[]> blobs)
    {
        foreach (var blob in blobs)
        {
            await Task.Yield();
            yield return new ShardToUpload(ContentHash.Compute(blob), blob);
        }
    }
}
