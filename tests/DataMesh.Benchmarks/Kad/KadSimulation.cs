using System.Diagnostics;
using System.Text;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Kad;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Transports;
using IdentityKey = DataMesh.Libp2p.Identity.Identity;

namespace DataMesh.Benchmarks.Kad;

/// <summary>`kad-sim`: the real DHT and host code over the in-memory transport with a one-way latency on every link.
/// Reports bootstrap time, memory per node, lookup success, hops and messages beside log2(N), PUT/GET times, and
/// GET success after killing 25% of the nodes, before and after the survivors' republish round.
/// Options: --nodes N (500) --latency-ms L (50) --lookups M (100) --records R (30) --parallel P (32).</summary>
internal static class KadSimulation
{
    private const string Namespace = "sim";

    public static async Task RunAsync(string[] args)
    {
        int nodes = Option(args, "--nodes", 500);
        int latencyMs = Option(args, "--latency-ms", 50);
        int lookups = Option(args, "--lookups", 100);
        int records = Option(args, "--records", 30);
        int parallel = Option(args, "--parallel", 32);
        var options = new KadOptions
        {
            Validators = RecordValidatorRegistry.Default.With(Namespace, PermissiveRecordValidator.Instance),
            RequestTimeout = TimeSpan.FromSeconds(5),
            MaintenanceInterval = TimeSpan.FromDays(1), // the simulation runs the republish round itself
            RecordRepublishInterval = TimeSpan.Zero,
            MaxInboundRequestsTotal = 512,
        };
        var network = new InMemoryNetwork(defaultLink: new InMemoryLinkOptions { Latency = TimeSpan.FromMilliseconds(latencyMs) });
        var all = new List<(Libp2pHost Host, KadDht Dht)>(nodes);
        var random = new Random(1);
        Console.WriteLine($"kad-sim: {nodes} nodes, {latencyMs} ms one-way latency, k={options.BucketSize}, alpha={options.Alpha}");

        long memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < nodes; i++)
        {
            var host = new Libp2pHost(IdentityKey.Generate(), [new InMemoryTransport(network)]);
            await host.ListenAsync([Multiaddr.Parse($"/memory/{i + 1}")], CancellationToken.None);
            var dht = new KadDht(host, options);
            await dht.StartAsync(CancellationToken.None);
            all.Add((host, dht));
        }
        // Node i bootstraps from a random earlier node; waves of `parallel` so early nodes exist before later ones ask.
        for (int start = 1; start < nodes; start += parallel)
        {
            int end = Math.Min(nodes, start + parallel);
            await Task.WhenAll(Enumerable.Range(start, end - start).Select(async i =>
            {
                (Libp2pHost seed, _) = all[Random.Shared.Next(0, Math.Max(1, Math.Min(i, start)))];
                try
                {
                    await all[i].Dht.BootstrapAsync([seed.ListenAddresses[0].WithPeerId(seed.PeerId)], CancellationToken.None);
                }
                catch (KadException error)
                {
                    Console.WriteLine($"  bootstrap of node {i} failed: {error.Message}");
                }
            }));
        }
        await ForAllAsync(all, parallel, n => n.Dht.GetClosestPeersAsync(n.Host.PeerId.Bytes, CancellationToken.None));
        TimeSpan bootstrap = clock.Elapsed;
        long memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
        double tableMedian = Median([.. all.Select(n => (double)n.Dht.RoutingTable.Count)]);
        Console.WriteLine($"bootstrap: {bootstrap.TotalSeconds:F1} s; routing table median {tableMedian} peers; managed memory {(memoryAfter - memoryBefore) / nodes / 1024.0:F0} KiB/node; process working set {Environment.WorkingSet / 1024.0 / 1024:F0} MiB");

        // Lookups of existing peers from random nodes.
        int found = 0;
        var hops = new List<double>();
        var requests = new List<double>();
        var lookupMs = new List<double>();
        var pairs = Enumerable.Range(0, lookups).Select(_ => (From: all[random.Next(nodes)], Target: all[random.Next(nodes)])).ToList();
        await ForAllAsync(pairs, parallel, async pair =>
        {
            var (from, target) = pair;
            var watch = Stopwatch.StartNew();
            KadLookupResult result = await from.Dht.LookupAsync(target.Host.PeerId.Bytes, CancellationToken.None);
            lock (hops)
            {
                lookupMs.Add(watch.Elapsed.TotalMilliseconds);
                hops.Add(result.Hops);
                requests.Add(result.Requests);
                if (result.Closest.Count > 0 && (result.Closest[0].Equals(target.Host.PeerId) || from.Host.PeerId.Equals(target.Host.PeerId)))
                {
                    found++;
                }
            }
        });
        Console.WriteLine($"lookups: {found}/{lookups} found the target; hops mean {hops.Average():F2}, requests mean {requests.Average():F1} (log2 N = {Math.Log2(nodes):F1}); time median {Median(lookupMs):F0} ms");

        // PUT and GET of 1 KiB records.
        var keys = new List<(byte[] Key, byte[] Value, int Owner)>();
        var putMs = new List<double>();
        var replicas = new List<double>();
        for (int r = 0; r < records; r++)
        {
            byte[] key = Encoding.UTF8.GetBytes($"/{Namespace}/{r}-{Guid.NewGuid():N}");
            byte[] value = new byte[1024];
            random.NextBytes(value);
            int owner = random.Next(nodes);
            var watch = Stopwatch.StartNew();
            int stored = await all[owner].Dht.PutValueAsync(key, value, CancellationToken.None);
            putMs.Add(watch.Elapsed.TotalMilliseconds);
            replicas.Add(stored);
            keys.Add((key, value, owner));
        }
        Console.WriteLine($"put: median {Median(putMs):F0} ms, p90 {Percentile(putMs, 90):F0} ms, replicas median {Median(replicas)}");
        var alive = Enumerable.Range(0, nodes).ToHashSet();
        await ReportGetsAsync("get", all, alive, keys, random);

        // Kill 25% at random.
        foreach (int victim in Enumerable.Range(0, nodes).OrderBy(_ => random.Next()).Take(nodes / 4).ToList())
        {
            alive.Remove(victim);
            await all[victim].Dht.DisposeAsync();
            await all[victim].Host.DisposeAsync();
        }
        Console.WriteLine($"killed {nodes - alive.Count} nodes");
        await ReportGetsAsync("get after kill", all, alive, keys, random);

        // One republish interval: surviving originators store their records on the then-closest peers again.
        var republish = Stopwatch.StartNew();
        foreach (int owner in keys.Select(k => k.Owner).Distinct().Where(alive.Contains))
        {
            await all[owner].Dht.RunMaintenanceAsync(CancellationToken.None);
        }
        Console.WriteLine($"republish round of the surviving originators: {republish.Elapsed.TotalSeconds:F1} s");
        await ReportGetsAsync("get after republish", all, alive, keys, random);

        foreach (int i in alive)
        {
            await all[i].Dht.DisposeAsync();
            await all[i].Host.DisposeAsync();
        }
    }

    private static async Task ReportGetsAsync(string label, List<(Libp2pHost Host, KadDht Dht)> all, HashSet<int> alive, List<(byte[] Key, byte[] Value, int Owner)> keys, Random random)
    {
        int[] live = [.. alive];
        int ok = 0;
        var times = new List<double>();
        foreach ((byte[] key, byte[] value, int owner) in keys)
        {
            int reader;
            do
            {
                reader = live[random.Next(live.Length)];
            }
            while (reader == owner);
            var watch = Stopwatch.StartNew();
            try
            {
                if ((await all[reader].Dht.GetValueAsync(key, CancellationToken.None)).AsSpan().SequenceEqual(value))
                {
                    ok++;
                }
            }
            catch (KadNotFoundException)
            {
            }
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"{label}: {ok}/{keys.Count} found; median {Median(times):F0} ms, p90 {Percentile(times, 90):F0} ms");
    }

    private static async Task ForAllAsync<T>(IReadOnlyList<T> items, int parallel, Func<T, Task> action) =>
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (item, _) => await action(item));

    internal static double Median(List<double> values) => Percentile(values, 50);

    internal static double Percentile(List<double> values, int percent)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percent / 100.0 * sorted.Count) - 1)];
    }

    internal static int Option(string[] args, string name, int fallback)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out int value) ? value : fallback;
    }
}
