using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Kad;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Transports;
using IdentityKey = DataMesh.Libp2p.Identity.Identity;

namespace DataMesh.Benchmarks.Kad;

/// <summary>`kad-loopback`: 20 C# DHT nodes on loopback TCP put 100 records of 1 KiB (rotating over the nodes) and
/// get each from another node; then, in the same run, the js anchor (/work/shared/anchors/dht-records.mjs, run with
/// the interop js folder's packages) does the same with 20 js-libp2p kad-dht nodes. Prints both and the ratios.
/// Options: --nodes N (20) --records R (100) --js-dir DIR (tests/DataMesh.Interop.Tests/js) --anchors DIR (/work/shared/anchors).</summary>
internal static partial class KadLoopback
{
    public static async Task RunAsync(string[] args)
    {
        int nodes = KadSimulation.Option(args, "--nodes", 20);
        int records = KadSimulation.Option(args, "--records", 100);
        (double csPut, double csGet) = await RunCSharpAsync(nodes, records);
        string jsDir = Value(args, "--js-dir") ?? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../DataMesh.Interop.Tests/js"));
        string anchors = Value(args, "--anchors") ?? "/work/shared/anchors";
        (double jsPut, double jsGet)? js = await RunJsAsync(jsDir, anchors, nodes, records);
        if (js is { } j)
        {
            Console.WriteLine($"ratio C#/js: put {csPut / j.jsPut:F2}, get {csGet / j.jsGet:F2} (below 1 = C# faster)");
        }
    }

    private static async Task<(double Put, double Get)> RunCSharpAsync(int count, int records)
    {
        var options = new KadOptions { Validators = RecordValidatorRegistry.Default.With("anchor", PermissiveRecordValidator.Instance) };
        var nodes = new List<(Libp2pHost Host, KadDht Dht)>();
        try
        {
            var ready = Stopwatch.StartNew();
            for (int i = 0; i < count; i++)
            {
                var host = new Libp2pHost(IdentityKey.Generate(), [new TcpTransport(new TcpTransportOptions())]);
                await host.ListenAsync([Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")], CancellationToken.None);
                var dht = new KadDht(host, options);
                await dht.StartAsync(CancellationToken.None);
                nodes.Add((host, dht));
            }
            Multiaddr seed = nodes[0].Host.ListenAddresses[0].WithPeerId(nodes[0].Host.PeerId);
            await Task.WhenAll(nodes.Skip(1).Select(n => n.Dht.BootstrapAsync([seed], CancellationToken.None)));
            await Task.WhenAll(nodes.Select(n => n.Dht.GetClosestPeersAsync(n.Host.PeerId.Bytes, CancellationToken.None)));
            Console.WriteLine($"C# kad: {count} nodes ready in {ready.Elapsed.TotalSeconds:F1} s, table median {KadSimulationStats.Median([.. nodes.Select(n => (double)n.Dht.RoutingTable.Count)])}");

            var random = new Random(2);
            var data = Enumerable.Range(0, records).Select(i =>
            {
                byte[] value = new byte[1024];
                random.NextBytes(value);
                return (Key: Encoding.UTF8.GetBytes($"/anchor/{Convert.ToHexString(Guid.NewGuid().ToByteArray())}"), Value: value);
            }).ToList();
            var putMs = new List<double>();
            var replicas = new List<double>();
            for (int i = 0; i < records; i++)
            {
                var watch = Stopwatch.StartNew();
                replicas.Add(await nodes[i % count].Dht.PutValueAsync(data[i].Key, data[i].Value, CancellationToken.None));
                putMs.Add(watch.Elapsed.TotalMilliseconds);
            }
            var getMs = new List<double>();
            int ok = 0;
            for (int i = 0; i < records; i++)
            {
                var watch = Stopwatch.StartNew();
                byte[] got = await nodes[(i + 1 + (i % (count - 1))) % count].Dht.GetValueAsync(data[i].Key, CancellationToken.None);
                getMs.Add(watch.Elapsed.TotalMilliseconds);
                ok += got.AsSpan().SequenceEqual(data[i].Value) ? 1 : 0;
            }
            double put = KadSimulationStats.Median(putMs);
            double get = KadSimulationStats.Median(getMs);
            Console.WriteLine($"C# kad: put median {put:F1} ms p90 {KadSimulationStats.Percentile(putMs, 90):F1} ms replicas median {KadSimulationStats.Median(replicas)} | get median {get:F1} ms p90 {KadSimulationStats.Percentile(getMs, 90):F1} ms ok {ok}/{records} | working set {Environment.WorkingSet / 1024 / 1024} MiB");
            return (put, get);
        }
        finally
        {
            foreach ((Libp2pHost host, KadDht dht) in nodes)
            {
                await dht.DisposeAsync();
                await host.DisposeAsync();
            }
        }
    }

    /// <summary>Runs the anchor script with the interop folder's node_modules: the three script files are copied into a
    /// temporary folder inside it (module resolution is by file location) and removed afterwards.</summary>
    private static async Task<(double Put, double Get)?> RunJsAsync(string jsDir, string anchors, int nodes, int records)
    {
        if (!Directory.Exists(Path.Combine(jsDir, "node_modules")) || !File.Exists(Path.Combine(anchors, "dht-records.mjs")))
        {
            Console.WriteLine($"js anchor skipped: need {jsDir}/node_modules and {anchors}/dht-records.mjs");
            return null;
        }
        string work = Path.Combine(jsDir, ".kad-anchor-" + Environment.ProcessId);
        Directory.CreateDirectory(work);
        try
        {
            foreach (string file in new[] { "dht-records.mjs", "lib.mjs", "poly.mjs" })
            {
                File.Copy(Path.Combine(anchors, file), Path.Combine(work, file), overwrite: true);
            }
            var start = new ProcessStartInfo("node", ["--import", "./poly.mjs", "dht-records.mjs"])
            {
                WorkingDirectory = work,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["NODES"] = nodes.ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["PROCS"] = "1";
            start.Environment["COUNT"] = records.ToString(System.Globalization.CultureInfo.InvariantCulture);
            using Process process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            string stdout = await process.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await process.WaitForExitAsync(timeout.Token);
            await stderr;
            string? result = stdout.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT", StringComparison.Ordinal));
            if (result is null)
            {
                Console.WriteLine($"js anchor gave no RESULT line (exit {process.ExitCode})");
                return null;
            }
            Console.WriteLine("js " + result);
            Match put = PutMedian().Match(result);
            Match get = GetMedian().Match(result);
            return (double.Parse(put.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), double.Parse(get.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string? Value(string[] args, string name)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    [GeneratedRegex(@"\| put median=([0-9.]+)ms")]
    private static partial Regex PutMedian();

    [GeneratedRegex(@"\| get median=([0-9.]+)ms")]
    private static partial Regex GetMedian();
}
