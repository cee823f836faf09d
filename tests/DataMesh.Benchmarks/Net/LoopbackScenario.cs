using System.Diagnostics;
using System.Globalization;
using DataMesh.Benchmarks.Anchors;
using DataMesh.Core.Node;

namespace DataMesh.Benchmarks.Net;

/// <summary>
/// `loopback`: a random file sent and received through storage nodes in separate processes on 127.0.0.1 (no link
/// shaping), by one client in this process: MB/s each way and the peak RSS (VmHWM) of every process. Then, in the
/// same run and with the nodes stopped, Helia moves a file of the same size between two processes (the shared
/// anchor script; if it fails at that size, again with 256 MiB). Options: --nodes 6 --size-mib 1024 --concurrency N
/// (default: the configuration's 4 uploads / 8 retrievals) --helia-mib N (default: the same size) --no-helia
/// --anchors /work/shared/anchors.
/// </summary>
internal static class LoopbackScenario
{
    private const double RssGoalMiB = 300;
    private const double ThroughputGoal = 5;

    private const int HeliaFallbackMiB = 256;

    private static async Task<HeliaTransferResult?> RunHeliaAsync(string anchors, int sizeMiB, CancellationToken cancellationToken)
    {
        try
        {
            HeliaTransferResult result = await HeliaTransferAnchor.RunAsync(anchors, sizeMiB, cancellationToken);
            Console.WriteLine("helia " + result.Line);
            return result;
        }
        catch (AnchorException error)
        {
            Console.WriteLine($"Helia anchor at {sizeMiB} MiB unavailable: {error.Message}");
            return null;
        }
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchOptions(args);
        int nodeCount = options.Int("--nodes", 6);
        int sizeMiB = options.Int("--size-mib", 1024);
        int? level = options.Text("--concurrency") is null ? null : options.Int("--concurrency", 8);
        int heliaMiB = options.Int("--helia-mib", sizeMiB);
        string anchors = options.Text("--anchors") ?? "/work/shared/anchors";
        CancellationToken cancellationToken = CancellationToken.None;
        Console.WriteLine(MachineInfo.Describe());
        Console.WriteLine($"loopback: {nodeCount} storage nodes (one process each) and 1 client (this process) on 127.0.0.1, {sizeMiB} MiB, " +
            $"concurrency {(level is { } l ? l.ToString(CultureInfo.InvariantCulture) : "from the configuration")}");

        string work = BenchFiles.NewWorkDir("loopback");
        double sendSeconds, receiveSeconds;
        var rss = new List<(string Process, double MiB)>();
        try
        {
            string source = await BenchFiles.CreateRandomAsync(Path.Combine(work, "input.bin"), sizeMiB, cancellationToken);
            string sourceHash = await BenchFiles.Sha256Async(source, cancellationToken);
            await using (BenchMesh mesh = await BenchMesh.StartAsync(work, nodeCount, link: null, cancellationToken))
            {
                int[] processIds = [Environment.ProcessId, .. mesh.Nodes.Select(n => n.ProcessId)];
                double gib = sizeMiB / 1024.0;
                var cpu = ProcessCpu.Sample(processIds);
                var watch = Stopwatch.StartNew();
                SendFileResult sent = await mesh.Client.SendFileAsync(source, new SendFileOptions { MaxConcurrency = level }, cancellationToken: cancellationToken);
                sendSeconds = watch.Elapsed.TotalSeconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"RESULT datamesh send: {sendSeconds:0.00} s, {sent.Size / 1e6 / sendSeconds:0.0} MB/s ({sent.Shards} shards x replication {mesh.Client.Options.Network.ReplicationFactor}, retries {sent.Statistics.Retries}); load {MachineInfo.LoadAverage()}"));
                Console.WriteLine("datamesh send " + ProcessCpu.Describe(cpu, ProcessCpu.Sample(processIds), gib));
                string target = Path.Combine(work, "output.bin");
                cpu = ProcessCpu.Sample(processIds);
                watch.Restart();
                ReceiveFileResult received = await mesh.Client.ReceiveFileAsync(sent.FileKey, target,
                    new ReceiveFileOptions { MaxConcurrency = level, Overwrite = true }, cancellationToken: cancellationToken);
                receiveSeconds = watch.Elapsed.TotalSeconds;
                // Before the SHA-256 check below, which reads the whole file back and is not part of the receive.
                Console.WriteLine("datamesh receive " + ProcessCpu.Describe(cpu, ProcessCpu.Sample(processIds), gib));
                string hash = await BenchFiles.Sha256Async(received.Path, cancellationToken);
                if (hash != sourceHash)
                {
                    throw new InvalidOperationException($"The received file differs from the original (SHA-256 {hash} vs {sourceHash}).");
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"RESULT datamesh receive: {receiveSeconds:0.00} s, {received.Size / 1e6 / receiveSeconds:0.0} MB/s, sha256 ok (retries {received.Statistics.Retries}, hedges {received.Statistics.HedgesFired}/{received.Statistics.HedgesWon}); load {MachineInfo.LoadAverage()}"));
                rss.Add(("client (benchmark process)", MachineInfo.PeakRssMiB(Environment.ProcessId) ?? double.NaN));
                rss.AddRange(mesh.Nodes.Select((n, i) => ($"storage node {i}", n.PeakRssMiB ?? double.NaN)));
            }
            BenchFiles.TryDelete(work);

            double bytes = sizeMiB * (double)BenchFiles.MiB;
            double sendRate = bytes / 1e6 / sendSeconds;
            double receiveRate = bytes / 1e6 / receiveSeconds;
            HeliaTransferResult? helia = null;
            if (!options.Flag("--no-helia"))
            {
                helia = await RunHeliaAsync(anchors, heliaMiB, cancellationToken);
                if (helia is null && heliaMiB > HeliaFallbackMiB)
                {
                    // Plain cat of a large file can miss the script's fetch time limit (the anchors README reports
                    // stalls); rates are compared, so a smaller file still gives Helia's figure in this run.
                    Console.WriteLine($"retrying Helia with {HeliaFallbackMiB} MiB; the ratio compares MB/s");
                    helia = await RunHeliaAsync(anchors, HeliaFallbackMiB, cancellationToken);
                }
            }

            Console.WriteLine();
            Console.WriteLine($"SUMMARY loopback ({nodeCount} storage nodes, {sizeMiB} MiB; MB = 10^6 bytes)");
            Console.WriteLine("| system | step | MB/s | time s | peak RSS |");
            Console.WriteLine("|---|---|---|---|---|");
            double maxRss = rss.Max(r => r.MiB);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| DataMesh | send (encrypt, erasure-code, 3 replicas) | {sendRate:0.0} | {sendSeconds:0.00} | max {maxRss:0} MiB over {rss.Count} processes |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| DataMesh | receive (fetch, verify, decrypt) | {receiveRate:0.0} | {receiveSeconds:0.00} | |"));
            if (helia is not null)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Helia {helia.SizeMiB} MiB | add (provider) | {helia.AddMbPerSec:0.0} | {helia.SizeMiB * BenchFiles.MiB / 1e6 / helia.AddMbPerSec:0.00} | provider {helia.ProviderMaxRssMiB:0} MiB |"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Helia {helia.SizeMiB} MiB | transfer (fetcher cat) | {helia.TransferMbPerSec:0.0} | {helia.TransferSeconds:0.00} | fetcher {helia.ReceiverMaxRssMiB:0} MiB |"));
            }
            foreach ((string process, double mib) in rss)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak RSS {process}: {mib:0} MiB"));
            }
            if (helia is not null)
            {
                double ratio = receiveRate / helia.TransferMbPerSec;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"GOAL throughput: DataMesh receive {receiveRate:0.0} MB/s vs Helia transfer {helia.TransferMbPerSec:0.0} MB/s = {ratio:0.00}x (goal >= {ThroughputGoal}x): {(ratio >= ThroughputGoal ? "met" : "NOT met")}"));
                double endToEnd = bytes / 1e6 / (sendSeconds + receiveSeconds);
                double heliaEndToEnd = helia.SizeMiB * BenchFiles.MiB / 1e6 / ((helia.SizeMiB * BenchFiles.MiB / 1e6 / helia.AddMbPerSec) + helia.TransferSeconds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"also: send+receive {endToEnd:0.0} MB/s vs Helia add+transfer {heliaEndToEnd:0.0} MB/s = {endToEnd / heliaEndToEnd:0.00}x"));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"GOAL peak RSS: largest DataMesh process {maxRss:0} MiB (goal < {RssGoalMiB} MiB per process): {(maxRss < RssGoalMiB ? "met" : "NOT met")}"));
            Console.WriteLine($"load average at the end: {MachineInfo.LoadAverage()}");
            return 0;
        }
        finally
        {
            BenchFiles.TryDelete(work);
        }
    }
}
