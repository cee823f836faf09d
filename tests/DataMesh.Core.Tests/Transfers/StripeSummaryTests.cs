using DataMesh.Core.Diagnostics;
using DataMesh.Core.Peers;
using DataMesh.Core.Transfers;
using DataMesh.Storage.Addressing;
using Microsoft.Extensions.Logging;
using static DataMesh.Core.Tests.Transfers.TransferFixtures;

namespace DataMesh.Core.Tests.Transfers;

/// <summary>-Verbose says, in one line per stripe, where its shards went (upload) or who served it and at what cost
/// (retrieval): the lines come from the manager's logger at Information level, which the cmdlets show as verbose.</summary>
public sealed class StripeSummaryTests
{
    [Fact]
    public async Task An_upload_writes_one_line_per_stripe_naming_the_peers_that_took_its_shards()
    {
        var network = new FakeShardNetwork(6);
        using var log = new PipelineLogQueue();
        var manager = new ConcurrentChunkManager(network, new PeerStatistics(), FastOptions with { ReplicationFactor = 2 },
            logger: new Forwarding<ConcurrentChunkManager>(log.CreateLogger("test")));

        await manager.UploadAsync(Stripes(stripes: 3, k: 4, m: 2));

        string[] lines = Verbose(log);
        Assert.Equal(3, lines.Length);
        for (int stripe = 0; stripe < 3; stripe++)
        {
            string line = Assert.Single(lines, l => l.StartsWith($"Stripe {stripe}: ", StringComparison.Ordinal));
            Assert.Contains("6 shard(s) stored, 12 copies on 6 peer(s): ", line, StringComparison.Ordinal);
            Assert.Contains(StripeSummary.Short(network[0].Id), line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_retrieval_writes_one_line_per_stripe_with_its_peers_parity_and_failures()
    {
        var network = new FakeShardNetwork(6);
        var originals = new Dictionary<int, byte[][]>();
        var stripes = new List<StripeDescriptor>();
        for (int s = 0; s < 2; s++)
        {
            var (stripe, shards) = PlaceStripe(network, s, k: 4, m: 2, shardLength: 200);
            stripes.Add(stripe);
            originals[s] = shards;
        }
        network[1].Offline = true; // data shard 1 of every stripe: parity stands in
        using var log = new PipelineLogQueue();
        var manager = new ConcurrentChunkManager(network, new PeerStatistics(), FastOptions,
            logger: new Forwarding<ConcurrentChunkManager>(log.CreateLogger("test")), random: new Random(7));

        await manager.RetrieveAsync(stripes, new CheckingHandler(originals).HandleAsync);

        string[] lines = [.. Verbose(log).Where(l => l.StartsWith("Stripe ", StringComparison.Ordinal))];
        Assert.Equal(2, lines.Length);
        Assert.All(lines, line =>
        {
            Assert.Contains("4 shard(s) (1 parity) from ", line, StringComparison.Ordinal);
            Assert.DoesNotContain(StripeSummary.Short(network[1].Id), line, StringComparison.Ordinal);
            Assert.Contains("1 shard request(s) failed", line, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Peers_are_named_short_most_used_first_and_bounded()
    {
        var network = new FakeShardNetwork(StripeSummary.MaxPeersNamed + 3);
        var peers = network.Peers.Select(p => p.Id).Prepend(network[2].Id).ToList();

        string text = StripeSummary.Peers(peers);

        Assert.StartsWith(StripeSummary.Short(network[2].Id) + " ×2, ", text, StringComparison.Ordinal);
        Assert.EndsWith("… and 3 more", text, StringComparison.Ordinal);
        Assert.DoesNotContain(network[0].Id.ToString(), text, StringComparison.Ordinal);
    }

    private static string[] Verbose(PipelineLogQueue log)
    {
        var lines = new List<string>();
        while (log.TryDequeue(out var entry))
        {
            if (entry.Level == PipelineLogLevel.Verbose)
            {
                lines.Add(entry.Message);
            }
        }
        return [.. lines];
    }

    /// <summary>Stripes of random shards as the node's encoder hands them over: placement, stripe number, parity flag.</summary>
    private static async IAsyncEnumerable<ShardToUpload> Stripes(int stripes, int k, int m)
    {
        for (int s = 0; s < stripes; s++)
        {
            byte[][] shards = [.. Enumerable.Range(0, k + m).Select(i => RandomBytes(100, (s * 100) + i + 1))];
            var placement = new StripePlacement([.. shards.Select(b => ContentHash.Compute(b))]);
            for (int i = 0; i < shards.Length; i++)
            {
                await Task.Yield();
                yield return new ShardToUpload(ContentHash.Compute(shards[i]), shards[i]) { Placement = placement, Stripe = s, IsParity = i >= k };
            }
        }
    }

    private sealed class Forwarding<T>(ILogger inner) : ILogger<T>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, formatter);
    }
}
