using System.Diagnostics;
using System.Globalization;
using DataMesh.Core.Node;
using DataMesh.Core.Transfers;
using DataMesh.Storage.Manifests;

namespace DataMesh.Benchmarks.Net;

/// <summary>
/// `faults`: the WAN setup (storage nodes in child processes behind relays; `--link none` for plain loopback).
/// One upload, then the same download twice: once undisturbed (the baseline) and once with `--kill` nodes
/// SIGKILLed when half the file's shards have arrived. Both must come back bit-exact; prints the slowdown.
/// Options: --nodes 12 --kill 4 --size-mib 128 --concurrency 8 --link wan|none --delay-ms 25 --mbit 50 --seed 5.
/// </summary>
internal static class FaultsScenario
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchOptions(args);
        int nodeCount = options.Int("--nodes", 12);
        int kill = options.Int("--kill", 4);
        int sizeMiB = options.Int("--size-mib", 128);
        int level = options.Int("--concurrency", 8);
        LinkShape? link = options.Text("--link") == "none" ? null : WanScenario.ShapeFrom(options);
        CancellationToken cancellationToken = CancellationToken.None;
        Console.WriteLine(MachineInfo.Describe());
        Console.WriteLine($"faults: {nodeCount} storage nodes (one process each), 1 client; {(link is null ? "plain loopback" : $"each node behind a relay: {link}")}; " +
            $"{sizeMiB} MiB file retrieved at concurrency {level}, then again with {kill} nodes killed (SIGKILL) halfway");

        string work = BenchFiles.NewWorkDir("faults");
        try
        {
            string source = await BenchFiles.CreateRandomAsync(Path.Combine(work, "input.bin"), sizeMiB, cancellationToken);
            string sourceHash = await BenchFiles.Sha256Async(source, cancellationToken);
            await using BenchMesh mesh = await BenchMesh.StartAsync(work, nodeCount, link, cancellationToken);
            if (link is not null)
            {
                await WanScenario.PrintValidationAsync(mesh, link, cancellationToken);
            }
            var upload = Stopwatch.StartNew();
            SendFileResult sent = await mesh.Client.SendFileAsync(source, new SendFileOptions { MaxConcurrency = 16 }, cancellationToken: cancellationToken);
            Console.WriteLine($"uploaded in {upload.Elapsed.TotalSeconds:0.00} s at concurrency 16: {sent.Stripes} stripes of {sent.DataShards}+{sent.ParityShards}, key {sent.FileKey}");

            (TimeSpan baseline, ReceiveFileResult quiet) = await RetrieveAsync(mesh, sent.FileKey, sourceHash, level, null, cancellationToken);
            Console.WriteLine(Describe("RESULT baseline", baseline, quiet));

            var random = new Random(options.Int("--seed", 5));
            StorageNodeProcess[] victims = [.. mesh.Nodes.OrderBy(_ => random.Next()).Take(kill)];
            var killer = new HalfwayKiller(victims);
            (TimeSpan faulted, ReceiveFileResult survived) = await RetrieveAsync(mesh, sent.FileKey, sourceHash, level, killer, cancellationToken);
            if (killer.KilledAt is null)
            {
                throw new InvalidOperationException("The download finished before the halfway kill ran.");
            }
            Console.WriteLine(Describe("RESULT with kills", faulted, survived) +
                string.Create(CultureInfo.InvariantCulture, $" killed={kill} at_s={killer.KilledAt.Value.TotalSeconds:0.00} at_bytes={killer.KilledAtBytes / 1e6:0.0}MB"));
            if (!victims.All(v => v.HasExited))
            {
                throw new InvalidOperationException("A node meant to be killed is still running.");
            }
            mesh.AssertRoutedThroughRelays();

            Console.WriteLine();
            Console.WriteLine($"SUMMARY faults ({(link is null ? "loopback" : "WAN relays")}, {nodeCount} nodes, {sizeMiB} MiB, concurrency {level})");
            Console.WriteLine("| download | time s | MB/s | requests | retries | hedges fired/won | stripes rebuilt | result |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|");
            Console.WriteLine(Row("undisturbed", baseline, quiet));
            Console.WriteLine(Row($"{kill} of {nodeCount} killed halfway", faulted, survived));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"slowdown with {kill} of {nodeCount} nodes killed halfway: {faulted / baseline:0.00}x ({(faulted - baseline).TotalSeconds:+0.00;-0.00} s); both bit-exact (SHA-256)"));
            Console.WriteLine($"load average at the end: {MachineInfo.LoadAverage()}");
            return 0;
        }
        finally
        {
            BenchFiles.TryDelete(work);
        }
    }

    private static async Task<(TimeSpan Time, ReceiveFileResult Result)> RetrieveAsync(BenchMesh mesh, ManifestAddress key, string sourceHash, int level,
        IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        string target = Path.Combine(mesh.WorkDir, "output.bin");
        var watch = Stopwatch.StartNew();
        ReceiveFileResult received = await mesh.Client.ReceiveFileAsync(key, target, new ReceiveFileOptions { MaxConcurrency = level, Overwrite = true }, progress, cancellationToken);
        watch.Stop();
        string hash = await BenchFiles.Sha256Async(received.Path, cancellationToken);
        if (hash != sourceHash)
        {
            throw new InvalidOperationException($"The retrieved file differs from the original (SHA-256 {hash} vs {sourceHash}).");
        }
        return (watch.Elapsed, received);
    }

    private static string Describe(string label, TimeSpan time, ReceiveFileResult result) => string.Create(CultureInfo.InvariantCulture,
        $"{label}: time_s={time.TotalSeconds:0.00} mb_per_s={result.Size / 1e6 / time.TotalSeconds:0.0} requests={result.Statistics.Requests} retries={result.Statistics.Retries} " +
        $"hedges={result.Statistics.HedgesFired}/{result.Statistics.HedgesWon} stripes_rebuilt={result.StripesRebuilt} sha256=ok");

    private static string Row(string label, TimeSpan time, ReceiveFileResult result) => string.Create(CultureInfo.InvariantCulture,
        $"| {label} | {time.TotalSeconds:0.00} | {result.Size / 1e6 / time.TotalSeconds:0.0} | {result.Statistics.Requests} | {result.Statistics.Retries} | " +
        $"{result.Statistics.HedgesFired}/{result.Statistics.HedgesWon} | {result.StripesRebuilt} | bit-exact |");

    /// <summary>Kills the victims (once) when the download's progress passes half its bytes. Progress is reported
    /// synchronously from the transfer, so the kill happens at that point of the transfer, not later.</summary>
    private sealed class HalfwayKiller(IReadOnlyList<StorageNodeProcess> victims) : IProgress<TransferProgress>
    {
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private int _fired;

        public TimeSpan? KilledAt { get; private set; }

        public long KilledAtBytes { get; private set; }

        public void Report(TransferProgress value)
        {
            if (value.TotalBytes is not { } total || value.BytesDone * 2 < total || Interlocked.Exchange(ref _fired, 1) != 0)
            {
                return;
            }
            foreach (StorageNodeProcess victim in victims)
            {
                victim.Kill();
            }
            KilledAtBytes = value.BytesDone;
            KilledAt = _watch.Elapsed;
        }
    }
}
