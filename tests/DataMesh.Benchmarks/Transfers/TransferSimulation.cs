using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using DataMesh.Core.Peers;
using DataMesh.Core.Transfers;
using DataMesh.Storage.Addressing;

namespace DataMesh.Benchmarks.Transfers;

/// <summary>
/// Scenario benchmark <c>transfer-sim</c>: uploads and retrieves a simulated file through the real
/// <see cref="ConcurrentChunkManager"/> over <see cref="SimulatedShardNetwork"/> (latency + per-peer rate cap) at
/// several concurrency levels, then compares hedging off/on with one slow peer. Shards are random bytes (no
/// erasure coding or encryption here: this measures the transfer engine, not the codec).
/// </summary>
internal static class TransferSimulation
{
    private const int MiB = 1024 * 1024;

    public static async Task<int> RunAsync(string[] args)
    {
        var settings = Settings.Parse(args);
        if (settings is null)
        {
            Console.Error.WriteLine("usage: transfer-sim [--size-mib 128] [--peers 12] [--latency-ms 25] [--peer-mibps 32] " +
                                    "[--shard-kib 1024] [--k 8] [--m 4] [--replication 3] [--concurrency 1,4,8,16]");
            return 2;
        }
        var s = settings.Value;
        int stripes = (int)Math.Ceiling((double)s.SizeMiB * MiB / ((long)s.ShardKiB * 1024 * s.K));
        Console.WriteLine($"transfer-sim: {s.SizeMiB} MiB as {stripes} stripes of {s.K}+{s.M} shards of {s.ShardKiB} KiB; " +
                          $"{s.Peers} peers, {s.LatencyMs} ms one-way latency, {s.PeerMiBps} MiB/s per peer, replication {s.Replication}");
        Console.WriteLine();
        Console.WriteLine("A. all peers equal");
        Console.WriteLine("concurrency | upload s | upload MiB/s | download s | download MiB/s | download speedup | retries | hedges fired/won");
        double? baseline = null;
        foreach (int concurrency in s.Concurrency)
        {
            var options = new ChunkTransferOptions
            {
                MaxConcurrentRetrievals = concurrency,
                MaxConcurrentUploads = concurrency,
                ReplicationFactor = s.Replication,
            };
            var run = await RunOnceAsync(s, stripes, options, slowPeer: false);
            baseline ??= run.Download.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{concurrency,11} | {run.Upload.TotalSeconds,8:0.00} | {s.SizeMiB / run.Upload.TotalSeconds,12:0.0} | " +
                $"{run.Download.TotalSeconds,10:0.00} | {s.SizeMiB / run.Download.TotalSeconds,14:0.0} | " +
                $"{baseline.Value / run.Download.TotalSeconds,15:0.00}x | {run.Retries,7} | {run.HedgesFired}/{run.HedgesWon}"));
        }

        Console.WriteLine();
        Console.WriteLine("B. one peer 10x slower (after the upload), download at concurrency 8");
        Console.WriteLine("prefer_fast_peers | hedging | download s | download MiB/s | hedges fired/won");
        foreach (var (preferFast, hedges) in new[] { (false, 0), (false, 2), (true, 0), (true, 2) })
        {
            var options = new ChunkTransferOptions
            {
                MaxConcurrentRetrievals = 8,
                MaxConcurrentUploads = 8,
                ReplicationFactor = s.Replication,
                PreferFastPeers = preferFast,
                MaxHedgedAttempts = hedges,
            };
            var run = await RunOnceAsync(s, stripes, options, slowPeer: true);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{preferFast,17} | {(hedges == 0 ? "off" : $"{hedges} max"),7} | {run.Download.TotalSeconds,10:0.00} | " +
                $"{s.SizeMiB / run.Download.TotalSeconds,14:0.0} | {run.HedgesFired}/{run.HedgesWon}"));
        }
        return 0;
    }

    private static async Task<RunResult> RunOnceAsync(Settings s, int stripeCount, ChunkTransferOptions options, bool slowPeer)
    {
        var network = new SimulatedShardNetwork(s.Peers, TimeSpan.FromMilliseconds(s.LatencyMs), s.PeerMiBps * (double)MiB);
        var manager = new ConcurrentChunkManager(network, new PeerStatistics(), options);
        int shardLength = s.ShardKiB * 1024;
        var hashes = new ContentHash[stripeCount][];

        var upload = Stopwatch.StartNew();
        var uploaded = await manager.UploadAsync(Produce(network, stripeCount, s.K + s.M, shardLength, hashes));
        upload.Stop();

        if (slowPeer)
        {
            network.SlowDown(0, 10);
        }
        var stripes = Enumerable.Range(0, stripeCount)
            .Select(i => new StripeDescriptor(i, s.K, hashes[i], shardLength))
            .ToList();
        long delivered = 0;
        var download = Stopwatch.StartNew();
        var retrieved = await manager.RetrieveAsync(stripes, (stripe, _) =>
        {
            delivered += (long)stripe.Descriptor.DataShardCount * stripe.Descriptor.ShardLength;
            return default;
        });
        download.Stop();
        if (delivered != (long)stripeCount * s.K * shardLength)
        {
            throw new InvalidOperationException($"delivered {delivered} bytes, expected {(long)stripeCount * s.K * shardLength}");
        }
        return new RunResult(upload.Elapsed, download.Elapsed,
            uploaded.Statistics.Retries + retrieved.Statistics.Retries,
            retrieved.Statistics.HedgesFired, retrieved.Statistics.HedgesWon);
    }

    private static async IAsyncEnumerable<ShardToUpload> Produce(SimulatedShardNetwork network, int stripes, int shardsPerStripe, int shardLength, ContentHash[][] hashes)
    {
        for (int stripe = 0; stripe < stripes; stripe++)
        {
            hashes[stripe] = new ContentHash[shardsPerStripe];
            for (int i = 0; i < shardsPerStripe; i++)
            {
                int seed = (stripe * 1000) + i;
                var owner = MemoryPool<byte>.Shared.Rent(shardLength);
                var data = owner.Memory[..shardLength];
                SimulatedShardNetwork.Generate(seed, data.Span);
                var hash = ContentHash.Compute(data.Span);
                network.Register(hash, seed, shardLength);
                hashes[stripe][i] = hash;
                yield return new ShardToUpload(hash, data, owner);
            }
            await Task.Yield();
        }
    }

    private readonly record struct RunResult(TimeSpan Upload, TimeSpan Download, int Retries, int HedgesFired, int HedgesWon);

    private readonly record struct Settings(int SizeMiB, int Peers, int LatencyMs, int PeerMiBps, int ShardKiB, int K, int M, int Replication, int[] Concurrency)
    {
        public static Settings? Parse(string[] args)
        {
            var s = new Settings(128, 12, 25, 32, 1024, 8, 4, 3, [1, 4, 8, 16]);
            for (int i = 0; i + 1 < args.Length; i += 2)
            {
                string value = args[i + 1];
                bool ok = true;
                int n = 0;
                if (args[i] != "--concurrency")
                {
                    ok = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out n) && n > 0;
                }
                s = args[i] switch
                {
                    "--size-mib" => s with { SizeMiB = n },
                    "--peers" => s with { Peers = n },
                    "--latency-ms" => s with { LatencyMs = n },
                    "--peer-mibps" => s with { PeerMiBps = n },
                    "--shard-kib" => s with { ShardKiB = n },
                    "--k" => s with { K = n },
                    "--m" => s with { M = n },
                    "--replication" => s with { Replication = n },
                    "--concurrency" => s with { Concurrency = [.. value.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))] },
                    _ => s,
                };
                if (!ok)
                {
                    return null;
                }
            }
            return args.Length % 2 == 0 ? s : null;
        }
    }
}
