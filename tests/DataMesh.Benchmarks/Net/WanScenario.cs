using System.Diagnostics;
using System.Globalization;
using DataMesh.Core.Node;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Manifests;

namespace DataMesh.Benchmarks.Net;

/// <summary>
/// `wan`: storage nodes (child processes) each behind a <see cref="DelayRelay"/> (default 25 ms one way, 50 Mbit/s
/// each way) and one client in this process. Validates the relays (ping RTT, bulk copy rate), then uploads and
/// retrieves the same random file at each concurrency and prints times, speedups and efficiency against the links.
/// Options: --nodes 12 --size-mib 128 --concurrency 1,4,8,16 --delay-ms 25 --mbit 50 --queue-kib 128, and
/// --upload-concurrency 16 (upload once, at that level, instead of at every level: for iterating on retrieval), and
/// --layouts policy,fixed (the whole run once per layout on fresh node processes, the default policy beside the old
/// fixed layout; default: policy alone).
/// </summary>
internal static class WanScenario
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchOptions(args);
        int nodeCount = options.Int("--nodes", 12);
        int sizeMiB = options.Int("--size-mib", 128);
        int[] levels = options.Ints("--concurrency", [1, 4, 8, 16]);
        // For quick retrieval iterations: one upload at this concurrency instead of one per level.
        int[] uploadLevels = options.Ints("--upload-concurrency", levels);
        LinkShape link = ShapeFrom(options);
        CancellationToken cancellationToken = CancellationToken.None;
        Console.WriteLine(MachineInfo.Describe());
        Console.WriteLine($"WAN: {nodeCount} storage nodes (one process each) and 1 client (this process), each node behind a relay: {link}");
        double capacity = nodeCount * link.BytesPerSecond / 1e6;
        Console.WriteLine($"link model: each storage node has its own link; the client's own access is not limited. " +
            $"What the links allow: {nodeCount} x {link.BitsPerSecond / 1e6:0.#} Mbit/s = {capacity:0.0} MB/s each way.");

        if (BenchLayouts.Parse(options.Text("--layouts") ?? "policy") is not { } layouts)
        {
            return 2;
        }
        string work = BenchFiles.NewWorkDir("wan");
        try
        {
            string source = await BenchFiles.CreateRandomAsync(Path.Combine(work, "input.bin"), sizeMiB, cancellationToken);
            string sourceHash = await BenchFiles.Sha256Async(source, cancellationToken);
            foreach (string layout in layouts)
            {
                (string? config, string description) = BenchLayouts.All[layout];
                Console.WriteLine($"layout {layout}: {description}");
                await RunLayoutAsync(Path.Combine(work, layout), config, nodeCount, link, sizeMiB, capacity, source, sourceHash, levels, uploadLevels,
                    cancellationToken);
            }
            Console.WriteLine($"load average at the end: {MachineInfo.LoadAverage()}");
            return 0;
        }
        finally
        {
            BenchFiles.TryDelete(work);
        }
    }

    /// <summary>One layout's run: fresh node processes, the relay check, the uploads and retrievals, the table.</summary>
    private static async Task RunLayoutAsync(string work, string? clientConfig, int nodeCount, LinkShape link, int sizeMiB, double capacity,
        string source, string sourceHash, int[] levels, int[] uploadLevels, CancellationToken cancellationToken)
    {
        await using BenchMesh mesh = await BenchMesh.StartAsync(work, nodeCount, link, cancellationToken, clientConfig);
        TimeSpan roundTrip = await PrintValidationAsync(mesh, link, cancellationToken);

        var rows = new List<TransferRow>();
        ManifestAddress? fileKey = null;
        foreach (int level in uploadLevels)
        {
            (TransferRow row, ManifestAddress key) = await UploadAsync(mesh, source, level, capacity, roundTrip, cancellationToken);
            rows.Add(row);
            fileKey = key;
            Console.WriteLine(row.Line());
        }
        foreach (int level in levels)
        {
            TransferRow row = await RetrieveAsync(mesh, fileKey ?? throw new InvalidOperationException("No upload ran."), sourceHash, level, capacity, roundTrip, cancellationToken);
            rows.Add(row);
            Console.WriteLine(row.Line());
        }
        mesh.AssertRoutedThroughRelays();
        Console.WriteLine($"routing: every client connection went through a relay ({mesh.Relays.Sum(r => r.ConnectionsAccepted)} relayed connections, 0 direct)");
        PrintTable(rows, sizeMiB, capacity);
    }

    public static LinkShape ShapeFrom(BenchOptions options) => new(
        TimeSpan.FromMilliseconds(options.Double("--delay-ms", 25)),
        options.Double("--mbit", 50) * 1e6,
        options.Int("--queue-kib", 128) * 1024);

    /// <summary>Prints the relay check and returns the median round trip it measured.</summary>
    public static async Task<TimeSpan> PrintValidationAsync(BenchMesh mesh, LinkShape link, CancellationToken cancellationToken)
    {
        RelayValidation.PingFigures ping = await RelayValidation.PingAsync(mesh, roundsPerNode: 3, cancellationToken);
        double bulk = await RelayValidation.BulkCopyMbPerSecAsync(link, 16 * BenchFiles.MiB, cancellationToken);
        double expected = link.BytesPerSecond / 1e6;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"relay check: libp2p ping RTT median {ping.MedianMs:0.0} ms [{ping.MinMs:0.0} .. {ping.MaxMs:0.0}] over {ping.Count} pings " +
            $"(expected {2 * link.OneWayDelay.TotalMilliseconds:0} ms); bulk TCP copy of 16 MiB through a relay {bulk:0.00} MB/s " +
            $"({bulk / expected:P0} of {expected:0.00} MB/s)"));
        return TimeSpan.FromMilliseconds(ping.MedianMs);
    }

    /// <summary><see cref="RequestBound"/> for this mesh: seconds to move <paramref name="payload"/> with
    /// <paramref name="requestsInFlight"/> shard requests in flight.</summary>
    private static double RequestBoundSeconds(BenchMesh mesh, long payload, int requestsInFlight, TimeSpan roundTrip)
    {
        double shardBytes = mesh.Client.Options.Storage.ChunkSize + ChunkCipher.TagLength;
        double rate = RequestBound.BytesPerSecond(requestsInFlight, mesh.Relays.Count, shardBytes, mesh.Relays[0].Shape.BytesPerSecond, roundTrip);
        return payload / rate;
    }

    private static async Task<(TransferRow Row, ManifestAddress Key)> UploadAsync(BenchMesh mesh, string source, int level, double capacity, TimeSpan roundTrip, CancellationToken cancellationToken)
    {
        var before = mesh.Relays.Select(r => r.BytesToTarget).ToArray();
        var cpu = CpuSample.Take(mesh);
        var watch = Stopwatch.StartNew();
        SendFileResult sent = await mesh.Client.SendFileAsync(source, new SendFileOptions { MaxConcurrency = level }, cancellationToken: cancellationToken);
        watch.Stop();
        string cpuNote = cpu.Since(mesh, watch.Elapsed);
        long[] perLink = [.. mesh.Relays.Select((r, i) => r.BytesToTarget - before[i])];
        // What crossed the links: every stored copy (a fixed layout stores replication_factor copies, the policy one).
        long payload = sent.StoredBytes;
        long shardBytes = (long)sent.Shards * (mesh.Client.Options.Storage.ChunkSize + ChunkCipher.TagLength);
        int replication = (int)Math.Max(1, Math.Round(payload / (double)shardBytes));
        var row = new TransferRow("upload", level, watch.Elapsed, sent.Size, payload, perLink, capacity, mesh.Relays[0].Shape.BytesPerSecond,
            sent.Statistics.Retries, sent.Statistics.HedgesFired, sent.Statistics.HedgesWon, cpuNote)
        {
            // Each shard in flight is stored on every replica at once.
            RequestBoundSeconds = RequestBoundSeconds(mesh, payload, level * replication, roundTrip),
        };
        return (row, sent.FileKey);
    }

    private static async Task<TransferRow> RetrieveAsync(BenchMesh mesh, ManifestAddress fileKey, string sourceHash, int level, double capacity, TimeSpan roundTrip, CancellationToken cancellationToken)
    {
        string target = Path.Combine(mesh.WorkDir, "output.bin");
        var before = mesh.Relays.Select(r => r.BytesFromTarget).ToArray();
        var cpu = CpuSample.Take(mesh);
        var watch = Stopwatch.StartNew();
        ReceiveFileResult received = await mesh.Client.ReceiveFileAsync(fileKey, target,
            new ReceiveFileOptions { MaxConcurrency = level, Overwrite = true }, cancellationToken: cancellationToken);
        watch.Stop();
        string cpuNote = cpu.Since(mesh, watch.Elapsed);
        long[] perLink = [.. mesh.Relays.Select((r, i) => r.BytesFromTarget - before[i])];
        string hash = await BenchFiles.Sha256Async(received.Path, cancellationToken);
        if (hash != sourceHash)
        {
            throw new InvalidOperationException($"The retrieved file differs from the original (SHA-256 {hash} vs {sourceHash}).");
        }
        return new TransferRow("retrieve", level, watch.Elapsed, received.Size, received.Size, perLink, capacity, mesh.Relays[0].Shape.BytesPerSecond,
            received.Statistics.Retries, received.Statistics.HedgesFired, received.Statistics.HedgesWon, "sha256 ok " + cpuNote)
        {
            RequestBoundSeconds = RequestBoundSeconds(mesh, received.Size, level, roundTrip),
        };
    }

    private static void PrintTable(List<TransferRow> rows, int sizeMiB, double capacity)
    {
        Console.WriteLine();
        Console.WriteLine($"SUMMARY wan: {sizeMiB} MiB file; links allow {capacity:0.0} MB/s each way (bound = payload / {capacity:0.0} MB/s; busiest = busiest link's bytes / its rate, " +
            "the floor set by where the shards are: for uploads, XOR placement)");
        Console.WriteLine("| op | concurrency | time s | file MB/s | speedup vs 1 | payload MB | wire MB | bound s | busiest s | request bound s | efficiency | of busiest-link bound | of request bound | retries | hedges fired/won |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (TransferRow row in rows)
        {
            TransferRow? baseline = rows.FirstOrDefault(r => r.Operation == row.Operation && r.Concurrency == 1);
            string speedup = baseline is null ? "n/a" : $"{baseline.Time / row.Time:0.00}x";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Operation} | {row.Concurrency} | {row.Time.TotalSeconds:0.00} | {row.FileMbPerSec:0.0} | {speedup} | {row.Payload / 1e6:0.0} | {row.Wire / 1e6:0.0} | " +
                $"{row.BoundSeconds:0.00} | {row.BusiestSeconds:0.00} | {row.RequestBoundSeconds:0.00} | {row.Efficiency:P0} | {row.BusiestSeconds / row.Time.TotalSeconds:P0} | " +
                $"{row.RequestBoundSeconds / row.Time.TotalSeconds:P0} | {row.Retries} | {row.HedgesFired}/{row.HedgesWon} |"));
        }
        foreach (string operation in new[] { "retrieve", "upload" })
        {
            TransferRow? one = rows.FirstOrDefault(r => r.Operation == operation && r.Concurrency == 1);
            TransferRow? eight = rows.FirstOrDefault(r => r.Operation == operation && r.Concurrency == 8);
            TransferRow? sixteen = rows.FirstOrDefault(r => r.Operation == operation && r.Concurrency == 16);
            if (one is not null && eight is not null)
            {
                double speedup = one.Time / eight.Time;
                // What the ratio would be if both transfers ran exactly at their request floors: a faster sequential
                // mode lowers the ratio, so the ratio alone does not say how close either transfer is to its links.
                double floors = one.RequestBoundSeconds / eight.RequestBoundSeconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"GOAL {operation} at 8 vs 1: {speedup:0.00}x (goal >= 6x): {(speedup >= 6 ? "met" : "NOT met")}; both at their request floors " +
                    $"({one.RequestBoundSeconds:0.00} s and {eight.RequestBoundSeconds:0.00} s) would give {floors:0.00}x"));
            }
            if (sixteen is not null)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"GOAL {operation} at 16: {sixteen.Efficiency:P0} of what the links allow ({sixteen.BoundSeconds:0.00} s for {sixteen.Payload / 1e6:0.0} MB at {capacity:0.0} MB/s; took {sixteen.Time.TotalSeconds:0.00} s) (goal >= 80%): {(sixteen.Efficiency >= 0.8 ? "met" : "NOT met")}; " +
                    $"at this concurrency no spreading of requests can beat {sixteen.RequestBoundSeconds:0.00} s = {sixteen.BoundSeconds / sixteen.RequestBoundSeconds:P0} of the links; " +
                    $"this run took {sixteen.RequestBoundSeconds / sixteen.Time.TotalSeconds:P0} of that floor's speed"));
            }
        }
    }
}

/// <summary>CPU used during a transfer: this process (the client and the relays, which run here) and the storage
/// node processes, beside the machine's load average: on a shared machine a transfer can be short of CPU, not of link.</summary>
internal readonly record struct CpuSample(TimeSpan Client, TimeSpan Nodes)
{
    public static CpuSample Take(BenchMesh mesh)
    {
        (double User, double System)[] all = ProcessCpu.Sample([Environment.ProcessId, .. mesh.Nodes.Select(n => n.ProcessId)]);
        static TimeSpan Used((double User, double System) cpu) => TimeSpan.FromSeconds(cpu.User + cpu.System);
        return new(Used(all[0]), all.Skip(1).Aggregate(TimeSpan.Zero, (sum, node) => sum + Used(node)));
    }

    public string Since(BenchMesh mesh, TimeSpan wall)
    {
        CpuSample now = Take(mesh);
        return string.Create(CultureInfo.InvariantCulture,
            $"cpu_s client+relays={(now.Client - Client).TotalSeconds:0.00} nodes={(now.Nodes - Nodes).TotalSeconds:0.00} wall={wall.TotalSeconds:0.00} load={MachineInfo.LoadAverage()}");
    }
}

/// <summary>One timed transfer. Payload: the bytes that must cross the links (for an upload every shard times the
/// replication factor; for a retrieval the file). Wire: what the relays carried in the transfer's direction.</summary>
internal sealed record TransferRow(string Operation, int Concurrency, TimeSpan Time, long FileBytes, long Payload, long[] PerLinkWire,
    double CapacityMbPerSec, double LinkBytesPerSec, int Retries, int HedgesFired, int HedgesWon, string Note)
{
    public long Wire => PerLinkWire.Sum();

    public double FileMbPerSec => FileBytes / 1e6 / Time.TotalSeconds;

    public double BoundSeconds => Payload / 1e6 / CapacityMbPerSec;

    public double BusiestSeconds => PerLinkWire.Length == 0 ? 0 : PerLinkWire.Max() / LinkBytesPerSec;

    public double Efficiency => BoundSeconds / Time.TotalSeconds;

    /// <summary>The <see cref="RequestBound"/> floor for this transfer's requests in flight.</summary>
    public double RequestBoundSeconds { get; init; }

    public string Line() => string.Create(CultureInfo.InvariantCulture,
        $"RESULT {Operation} concurrency={Concurrency} time_s={Time.TotalSeconds:0.00} file_mb_per_s={FileMbPerSec:0.0} efficiency={Efficiency:P0} " +
        $"wire_mb={Wire / 1e6:0.0} busiest_link_mb={(PerLinkWire.Length == 0 ? 0 : PerLinkWire.Max()) / 1e6:0.0} retries={Retries} hedges={HedgesFired}/{HedgesWon} {Note}");
}
