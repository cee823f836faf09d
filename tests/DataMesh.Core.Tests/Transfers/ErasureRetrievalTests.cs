using DataMesh.Core.Transfers;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Erasure;
using static DataMesh.Core.Tests.Transfers.TransferFixtures;

namespace DataMesh.Core.Tests.Transfers;

/// <summary>The manager's stripe hand-off feeds Reed-Solomon reconstruction directly.</summary>
public sealed class ErasureRetrievalTests
{
    [Fact]
    public async Task Stripes_missing_up_to_m_shards_reconstruct_to_the_original_data()
    {
        const int k = 4, m = 2, length = 4096;
        var codec = new ReedSolomon(k, m);
        var network = new FakeShardNetwork(6);
        var stripes = new List<StripeDescriptor>();
        var originals = new List<byte[][]>();
        for (int s = 0; s < 3; s++)
        {
            var shards = new byte[k + m][];
            for (int i = 0; i < k; i++)
            {
                shards[i] = RandomBytes(length, (s * 10) + i + 1);
            }
            for (int i = k; i < k + m; i++)
            {
                shards[i] = new byte[length];
            }
            codec.EncodeParity([.. shards[..k].Select(b => (ReadOnlyMemory<byte>)b)], [.. shards[k..].Select(b => (Memory<byte>)b)]);
            var hashes = shards.Select(b => ContentHash.Compute(b)).ToArray();
            for (int i = 0; i < k + m; i++)
            {
                network[(s + i) % 6].Store[hashes[i]] = shards[i];
            }
            stripes.Add(new StripeDescriptor(s, k, hashes, length));
            originals.Add(shards);
        }
        network[0].Offline = true;
        network[3].Offline = true; // every stripe loses two shards, data ones among them
        var rebuilt = new List<byte[]>();

        await Manager(network).RetrieveAsync(stripes, (stripe, _) =>
        {
            codec.Reconstruct(stripe.Shards, stripe.Present, dataOnly: true);
            for (int i = 0; i < k; i++)
            {
                rebuilt.Add(stripe.Shards[i].ToArray());
            }
            return default;
        });

        Assert.Equal(originals.SelectMany(shards => shards[..k]), rebuilt);
    }
}
