using System.Diagnostics;
using System.Text;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Kad;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Transports;
using static DataMesh.Benchmarks.Kad.KadSimulationStats;
using IdentityKey = DataMesh.Libp2p.Identity.Identity;

namespace DataMesh.Benchmarks.Kad;

/// <summary>`kad-sim`: the real host (Noise, Yamux, connection manager) and DHT code over the in-memory transport
/// with a one-way latency on every link, in real time. Reports bootstrap, memory per node, lookup success against
/// the true k closest, hops and messages per lookup beside log2(N), PUT/GET times, and GET success after killing 25%
/// of the nodes without warning, before and after the survivors' republish round.
/// Options: --nodes N (500) --latency-ms L (50) --lookups M (500) --records R (200) --parallel P (32)
/// --low W (8) --high W (16) --grace-s S (10) --seeds S (3) --max-rss-gib G (9); --memory-probe measures the parts
/// of a node's memory instead (<see cref="KadMemoryProbe"/>).</summary>
internal static class KadSimulation
{
    private const string Namespace = "sim";

    public static async Task RunAsync(string[] args)
    {
        int nodes = Option(args, "--nodes", 500);
        int latencyMs = Option(args, "--latency-ms", 50);
        if (args.Contains("--memory-probe"))
        {
            await KadMemoryProbe.RunAsync(latencyMs);
            return;
        }
        int lookups = Option(args, "--lookups", 500);
        int records = Option(args, "--records", 200);
        int parallel = Option(args, "--parallel", 32);
        int seeds = Option(args, "--seeds", 3);
        long maxRss = Option(args, "--max-rss-gib", 9) * 1024L * 1024 * 1024;
        var hostOptions = new HostOptions
        {
            ConnectionManager = new ConnectionManagerOptions
            {
                LowWatermark = Option(args, "--low", 8),
                HighWatermark = Option(args, "--high", 16),
                GracePeriod = TimeSpan.FromSeconds(Option(args, "--grace-s", 10)),
                CheckInterval = TimeSpan.FromSeconds(2),
            },
        };
        var kadOptions = new KadOptions
        {
            Validators = RecordValidatorRegistry.Default.With(Namespace, PermissiveRecordValidator.Instance),
            // The production default (10 s) unless told otherwise: a shorter one mostly measures CPU queueing of
            // thousands of nodes on two cores, not the protocol.
            RequestTimeout = TimeSpan.FromSeconds(Option(args, "--request-timeout-s", (int)KadOptions.Default.RequestTimeout.TotalSeconds)),
            MaintenanceInterval = TimeSpan.FromDays(1), // the simulation runs the maintenance round itself
            RecordRepublishInterval = TimeSpan.Zero, // so that round republishes every record of the originator
            MaxInboundRequestsTotal = 512,
        };
        var network = new InMemoryNetwork(defaultLink: new InMemoryLinkOptions { Latency = TimeSpan.FromMilliseconds(latencyMs) });
        var random = new Random(1);
        var run = new Run(nodes, maxRss);
        Console.WriteLine($"kad-sim: {nodes} nodes, {latencyMs} ms one-way latency, k={kadOptions.BucketSize}, alpha={kadOptions.Alpha}, request timeout {kadOptions.RequestTimeout.TotalSeconds} s, " +
                          $"connection watermarks {hostOptions.ConnectionManager.LowWatermark}/{hostOptions.ConnectionManager.HighWatermark}, grace {hostOptions.ConnectionManager.GracePeriod.TotalSeconds} s; " +
                          $"{Environment.ProcessorCount} cores, load average {LoadAverage()}");

        long managedEmpty = SettledManagedBytes();
        long rssEmpty = ResidentBytes();
        for (int i = 0; i < nodes; i++)
        {
            var host = new Libp2pHost(IdentityKey.Generate(), [new InMemoryTransport(network)], hostOptions);
            await host.ListenAsync([Multiaddr.Parse($"/memory/{i + 1}")], CancellationToken.None);
            var dht = new KadDht(host, kadOptions);
            await dht.StartAsync(CancellationToken.None);
            run.All.Add((host, dht));
        }
        double idleNodeBytes = (double)(SettledManagedBytes() - managedEmpty) / nodes;
        Console.WriteLine($"idle nodes (host + DHT, listening, no connection): {KiB(idleNodeBytes)} managed per node");

        var clock = Stopwatch.StartNew();
        int failedJoins = await BootstrapAsync(run, parallel * 2, seeds, random, clock);
        await ForAllAsync(run.All, parallel * 2, n => n.Dht.GetClosestPeersAsync(n.Host.PeerId.Bytes, CancellationToken.None));
        TimeSpan bootstrap = clock.Elapsed;
        run.CheckMemory("after the refresh round");
        // Let the connection managers trim what the bootstrap opened, then weigh what a node keeps.
        await Task.Delay(hostOptions.ConnectionManager.GracePeriod + TimeSpan.FromSeconds(5));
        long managedSettled = SettledManagedBytes();
        int connectionEnds = run.All.Sum(n => n.Host.Connections.Count);
        double tableMedian = Median([.. run.All.Select(n => (double)n.Dht.RoutingTable.Count)]);
        double perNode = (double)(managedSettled - managedEmpty) / nodes;
        Console.WriteLine($"bootstrap + refresh round: {bootstrap.TotalSeconds:F0} s; routing table {Describe([.. run.All.Select(n => (double)n.Dht.RoutingTable.Count)], "0")}; " +
                          $"peer store median {Median([.. run.All.Select(n => (double)n.Host.Peers.Count)])}");
        Console.WriteLine($"joins whose bootstrap failed at first: {failedJoins}; routing tables still empty after the automatic rejoin: {run.All.Count(n => n.Dht.RoutingTable.Count == 0)}");
        Console.WriteLine($"settled: {connectionEnds / (double)nodes:F1} open connections per node, {run.All.Sum(n => n.Host.TrimmedConnections)} trimmed so far; " +
                          $"managed {KiB(perNode)} per node; process RSS {MiB(ResidentBytes())} ({KiB((double)(ResidentBytes() - rssEmpty) / nodes)} per node), peak {MiB(PeakResidentBytes())}");

        LookupFigures before = await LookupsAsync(run, lookups, parallel, random, "lookups");
        List<Record> keys = await PutAsync(run, records, parallel, random);
        Readability fresh = await GetAsync(run, keys, parallel, random, "get");

        foreach (int victim in Enumerable.Range(0, nodes).OrderBy(_ => random.Next()).Take(nodes / 4).ToList())
        {
            run.Alive.Remove(victim);
        }
        // Killed without warning: no DHT goodbye, nobody told; their connections drop as a crashed process's would.
        await ForAllAsync([.. Enumerable.Range(0, nodes).Where(i => !run.Alive.Contains(i))], parallel * 2, async i =>
        {
            await run.All[i].Dht.DisposeAsync();
            await run.All[i].Host.DisposeAsync();
        });
        Console.WriteLine($"killed {nodes - run.Alive.Count} of {nodes} nodes at random; {keys.Count(k => run.Alive.Contains(k.Owner))} of {keys.Count} originators survive");
        Readability churned = await GetAsync(run, keys, parallel, random, "get after kill");

        var republish = Stopwatch.StartNew();
        await ForAllAsync([.. keys.Select(k => k.Owner).Distinct().Where(run.Alive.Contains)], parallel,
            owner => run.All[owner].Dht.RunMaintenanceAsync(CancellationToken.None));
        Console.WriteLine($"republish round (the maintenance pass each surviving originator runs once per 12 h): {republish.Elapsed.TotalSeconds:F1} s");
        Readability republished = await GetAsync(run, keys, parallel, random, "get after republish");
        LookupFigures after = await LookupsAsync(run, Math.Max(1, lookups / 5), parallel, random, "lookups after kill");

        Console.WriteLine();
        Console.WriteLine($"| N | log2 N | lookups found / exact k closest | hops median / p90 / max | messages median / p90 / max | PUT median / p90 | GET median / p90 | readable: fresh / after kill / after republish |");
        Console.WriteLine($"|---|---|---|---|---|---|---|---|");
        Console.WriteLine($"| {nodes} | {Math.Log2(nodes):F1} | {before.Found}/{before.Count} / {before.ExactK}/{before.Count} (mean overlap {before.MeanOverlap:P1}) | " +
                          $"{Median(before.Hops)} / {Percentile(before.Hops, 90)} / {before.Hops.Max()} | {Median(before.Messages)} / {Percentile(before.Messages, 90)} / {before.Messages.Max()} | " +
                          $"{Median(run.PutMs):F0} / {Percentile(run.PutMs, 90):F0} ms | {Median(fresh.Ms):F0} / {Percentile(fresh.Ms, 90):F0} ms | " +
                          $"{fresh.Ok}/{keys.Count} / {churned.Ok}/{keys.Count} / {republished.Ok}/{keys.Count} |");
        Console.WriteLine($"after kill: lookups {after.Found}/{after.Count} found, {after.ExactK}/{after.Count} exact k closest, hops median {Median(after.Hops)}, messages median {Median(after.Messages)}, failures median {Median(after.Failures)}");
        Console.WriteLine($"memory: peak RSS {MiB(PeakResidentBytes())} for {nodes} nodes ({KiB((double)PeakResidentBytes() / nodes)} per node at peak); settled managed {KiB(perNode)} per node; load average {LoadAverage()}");

        await ForAllAsync([.. run.Alive], parallel * 2, async i =>
        {
            await run.All[i].Dht.DisposeAsync();
            await run.All[i].Host.DisposeAsync();
        });
    }

    /// <summary>Node i joins through <paramref name="seeds"/> random nodes that had finished joining when it started,
    /// up to <paramref name="concurrent"/> joins at a time, with no barrier between them (a slow join holds up no one).</summary>
    private static async Task<int> BootstrapAsync(Run run, int concurrent, int seeds, Random random, Stopwatch clock)
    {
        int failed = 0;
        int nodes = run.All.Count;
        var joined = new List<int> { 0 };
        int done = 1;
        int nextReport = nodes / 10;
        await ForAllAsync([.. Enumerable.Range(1, nodes - 1)], concurrent, async i =>
        {
            Multiaddr[] via;
            lock (joined)
            {
                via = [.. Enumerable.Range(0, Math.Min(seeds, joined.Count)).Select(_ => joined[random.Next(joined.Count)]).Distinct()
                    .Select(s => run.All[s].Host.ListenAddresses[0].WithPeerId(run.All[s].Host.PeerId))];
            }
            try
            {
                await run.All[i].Dht.BootstrapAsync(via, CancellationToken.None);
            }
            catch (KadException error)
            {
                Interlocked.Increment(ref failed);
                Console.WriteLine($"  bootstrap of node {i} failed (it retries on its own): {error.Message}");
            }
            bool report;
            lock (joined)
            {
                joined.Add(i);
                done++;
                report = done >= nextReport;
                if (report)
                {
                    nextReport = done + nodes / 10;
                }
            }
            if (report)
            {
                Console.WriteLine($"  {done} joined after {clock.Elapsed.TotalSeconds:F0} s; {run.All.Sum(n => n.Host.Connections.Count) / (double)done:F1} connections per joined node; RSS {MiB(ResidentBytes())}; load {LoadAverage()}");
                run.CheckMemory($"after {done} joined");
            }
        });
        return failed;
    }

    private static async Task<LookupFigures> LookupsAsync(Run run, int count, int parallel, Random random, string label)
    {
        int[] live = [.. run.Alive];
        KadKey[] keys = [.. run.All.Select(n => KadDht.KeyOf(n.Host.PeerId))];
        var figures = new LookupFigures();
        (int From, int Target)[] pairs = [.. Enumerable.Range(0, count).Select(_ => (live[random.Next(live.Length)], live[random.Next(live.Length)]))];
        var watch = Stopwatch.StartNew();
        await ForAllAsync(pairs, parallel, async pair =>
        {
            PeerId target = run.All[pair.Target].Host.PeerId;
            var timer = Stopwatch.StartNew();
            KadLookupResult result = await run.All[pair.From].Dht.LookupAsync(target.Bytes, CancellationToken.None);
            double ms = timer.Elapsed.TotalMilliseconds;
            // The true k closest live nodes to the target, the searcher excluded (a lookup never returns itself).
            KadKey targetKey = keys[pair.Target];
            var truth = live.Where(i => i != pair.From).OrderBy(i => keys[i].Xor(targetKey)).Take(run.All[0].Dht.Options.BucketSize)
                .Select(i => run.All[i].Host.PeerId).ToHashSet();
            int overlap = result.Closest.Count(truth.Contains);
            bool found = pair.From == pair.Target || (result.Closest.Count > 0 && result.Closest[0].Equals(target));
            if (!found)
            {
                // Why: is the target in anyone's routing table (nobody can point to a peer nobody knows)?
                int knownBy = live.Count(i => run.All[i].Dht.Table.Contains(target));
                Console.WriteLine($"  missed target {pair.Target}: in {knownBy} routing tables, its own table {run.All[pair.Target].Dht.Table.Count}, searcher's table {run.All[pair.From].Dht.Table.Count}; {result.Requests} requests, {result.Failures} failed");
            }
            lock (figures)
            {
                figures.Add(found, overlap == truth.Count, overlap / (double)truth.Count, result, ms);
            }
        });
        Console.WriteLine($"{label} ({count} in {watch.Elapsed.TotalSeconds:F0} s, {parallel} at a time): {figures.Found}/{count} found the target, {figures.ExactK}/{count} returned exactly the true k closest " +
                          $"(mean overlap {figures.MeanOverlap:P1}); hops {Describe(figures.Hops, "0")}; messages {Describe(figures.Messages, "0")} (log2 N = {Math.Log2(run.Alive.Count):F1}); " +
                          $"failures {Describe(figures.Failures, "0")}; time {Describe(figures.Ms, "0")} ms");
        return figures;
    }

    private static async Task<List<Record>> PutAsync(Run run, int count, int parallel, Random random)
    {
        var keys = Enumerable.Range(0, count).Select(r =>
        {
            byte[] value = new byte[1024];
            random.NextBytes(value);
            return new Record(Encoding.UTF8.GetBytes($"/{Namespace}/{r}-{random.Next():x8}"), value, random.Next(run.All.Count));
        }).ToList();
        var replicas = new List<double>();
        await ForAllAsync(keys, parallel, async record =>
        {
            var watch = Stopwatch.StartNew();
            int stored = await run.All[record.Owner].Dht.PutValueAsync(record.Key, record.Value, CancellationToken.None);
            lock (replicas)
            {
                run.PutMs.Add(watch.Elapsed.TotalMilliseconds);
                replicas.Add(stored);
            }
        });
        Console.WriteLine($"put ({count} records of 1 KiB, {parallel} at a time): time {Describe(run.PutMs, "0")} ms; replicas {Describe(replicas, "0")}");
        return keys;
    }

    private static async Task<Readability> GetAsync(Run run, List<Record> keys, int parallel, Random random, string label)
    {
        int[] live = [.. run.Alive];
        int[] readers = [.. keys.Select(k => live.Where(i => i != k.Owner).ElementAt(random.Next(live.Length - 1)))];
        var outcome = new Readability();
        await ForAllAsync([.. Enumerable.Range(0, keys.Count)], parallel, async r =>
        {
            var watch = Stopwatch.StartNew();
            bool ok;
            try
            {
                ok = (await run.All[readers[r]].Dht.GetValueAsync(keys[r].Key, CancellationToken.None)).AsSpan().SequenceEqual(keys[r].Value);
            }
            catch (KadNotFoundException)
            {
                ok = false;
            }
            if (!ok)
            {
                // Why: how many live nodes still hold it, and could the reader's table reach anyone?
                int holders = live.Count(i => run.All[i].Dht.Records.Get(keys[r].Key) is not null);
                Console.WriteLine($"  unreadable record {r}: held by {holders} live nodes; reader's table {run.All[readers[r]].Dht.Table.Count}; originator {(run.Alive.Contains(keys[r].Owner) ? "alive" : "dead")}");
            }
            lock (outcome)
            {
                outcome.Ms.Add(watch.Elapsed.TotalMilliseconds);
                outcome.Ok += ok ? 1 : 0;
            }
        });
        Console.WriteLine($"{label}: {outcome.Ok}/{keys.Count} readable ({100.0 * outcome.Ok / keys.Count:F1}%); time {Describe(outcome.Ms, "0")} ms");
        return outcome;
    }

    private static async Task ForAllAsync<T>(IReadOnlyList<T> items, int parallel, Func<T, Task> action) =>
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (item, _) => await action(item));

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    internal static int Option(string[] args, string name, int fallback)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out int value) ? value : fallback;
    }

    private sealed record Record(byte[] Key, byte[] Value, int Owner);

    private sealed class Run(int nodes, long maxRss)
    {
        public List<(Libp2pHost Host, KadDht Dht)> All { get; } = new(nodes);

        public HashSet<int> Alive { get; } = [.. Enumerable.Range(0, nodes)];

        public List<double> PutMs { get; } = [];

        /// <summary>Stops the run (the machine is shared) when the process outgrows the budget.</summary>
        public void CheckMemory(string when)
        {
            long rss = ResidentBytes();
            if (rss > maxRss)
            {
                throw new InvalidOperationException($"kad-sim stopped {when}: RSS {MiB(rss)} is over the {MiB(maxRss)} budget (--max-rss-gib).");
            }
        }
    }

    private sealed class Readability
    {
        public List<double> Ms { get; } = [];

        public int Ok { get; set; }
    }

    private sealed class LookupFigures
    {
        public List<double> Hops { get; } = [];

        public List<double> Messages { get; } = [];

        public List<double> Failures { get; } = [];

        public List<double> Ms { get; } = [];

        public int Count => Hops.Count;

        public int Found { get; private set; }

        public int ExactK { get; private set; }

        public double MeanOverlap => _overlap / Math.Max(1, Count);

        private double _overlap;

        public void Add(bool found, bool exact, double overlap, KadLookupResult result, double ms)
        {
            Found += found ? 1 : 0;
            ExactK += exact ? 1 : 0;
            _overlap += overlap;
            Hops.Add(result.Hops);
            Messages.Add(result.Requests);
            Failures.Add(result.Failures);
            Ms.Add(ms);
        }
    }
}
