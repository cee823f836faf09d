using System.Diagnostics;
using System.Globalization;
using DataMesh.Storage.ChunkStore;
using DataMesh.Storage.Chunking;
using DataMesh.Storage.Keys;
using DataMesh.Storage.Pipeline;
using Store = DataMesh.Storage.ChunkStore.ChunkStore;

namespace DataMesh.Benchmarks.Pipeline;

/// <summary>Scenario benchmark: generate a file, encode it into a chunk store on disk, decode it back, and report
/// throughput each way and peak resident memory of each phase.
/// <code>dotnet run -c Release --project tests/DataMesh.Benchmarks -- pipeline --size 1GiB [--chunk 1MiB] [--k 10]
///     [--m 4] [--dir /path] [--parallelism N] [--window N] [--no-fsync] [--keep]</code></summary>
internal static class PipelineScenario
{
    public static async Task<int> RunAsync(string[] args)
    {
        long size = Parse(args, "--size", "1GiB");
        int chunk = (int)Parse(args, "--chunk", "1MiB");
        int k = (int)Parse(args, "--k", "10");
        int m = (int)Parse(args, "--m", "4");
        int parallelism = (int)Parse(args, "--parallelism", Math.Clamp(Environment.ProcessorCount, 1, 4).ToString(CultureInfo.InvariantCulture));
        int window = (int)Parse(args, "--window", "2");
        bool fsync = !args.Contains("--no-fsync");
        bool keep = args.Contains("--keep");
        string root = Option(args, "--dir") ?? Path.Combine(Path.GetTempPath(), "datamesh-pipeline-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        string input = Path.Combine(root, "input.bin");
        string output = Path.Combine(root, "output.bin");

        Console.WriteLine($"pipeline: {Human(size)} file, chunk {Human(chunk)}, k={k} m={m}, parallelism {parallelism}, window {window}, fsync {(fsync ? "on" : "off")}, {Environment.ProcessorCount} cores, dir {root}");
        try
        {
            Stopwatch generate = Stopwatch.StartNew();
            await GenerateAsync(input, size);
            Console.WriteLine($"generated input in {generate.Elapsed.TotalSeconds:0.0} s; load average {LoadAverage()} (a busy machine makes wall-clock rates noisy; CPU-second rates are steadier)");

            using UserIdentity owner = UserIdentity.Generate();
            using Store store = await Store.OpenAsync(new ChunkStoreOptions(Path.Combine(root, "store")) { FlushToDisk = fsync }, null, CancellationToken.None);
            await WarmUpAsync(root, owner, chunk, k, m);

            ResetPeakRss();
            (TimeSpan User, TimeSpan System) cpuBefore = Cpu();
            long faultsBefore = MinorFaults();
            Stopwatch encodeTime = Stopwatch.StartNew();
            EncodeResult encoded = await FileEncoder.EncodeAsync(input,
                new EncodeOptions { Owner = owner, Name = "bench.bin", ChunkSize = chunk, DataShards = k, ParityShards = m, Parallelism = parallelism, StripesInFlight = window },
                new ChunkStoreShardSink(store), null, CancellationToken.None);
            encodeTime.Stop();
            long encodePeak = PeakRss();
            (TimeSpan encodeUser, TimeSpan encodeSystem) = Since(cpuBefore);
            TimeSpan encodeCpu = encodeUser + encodeSystem;
            Console.WriteLine($"encode: {Rate(size, encodeTime.Elapsed)}, {encodeTime.Elapsed.TotalSeconds:0.00} s, {store.ShardCount} shards, {Human(store.UsedBytes)} stored, peak RSS {Human(encodePeak)}, CPU {encodeCpu.TotalSeconds:0.0} s = user {encodeUser.TotalSeconds:0.0} + kernel {encodeSystem.TotalSeconds:0.0} ({Rate(size, encodeCpu)} per CPU-second), {MinorFaults() - faultsBefore} page faults");

            ResetPeakRss();
            cpuBefore = Cpu();
            faultsBefore = MinorFaults();
            Stopwatch decodeTime = Stopwatch.StartNew();
            DecodeResult decoded = await FileDecoder.DecodeAsync(encoded.Manifest, owner, new ChunkStoreShardSource(store), output,
                new DecodeOptions { Overwrite = true, Parallelism = parallelism, FlushToDisk = fsync }, null, CancellationToken.None);
            decodeTime.Stop();
            long decodePeak = PeakRss();
            (TimeSpan decodeUser, TimeSpan decodeSystem) = Since(cpuBefore);
            TimeSpan decodeCpu = decodeUser + decodeSystem;
            Console.WriteLine($"decode: {Rate(size, decodeTime.Elapsed)}, {decodeTime.Elapsed.TotalSeconds:0.00} s, {decoded.StripesRebuilt} stripes rebuilt, peak RSS {Human(decodePeak)}, CPU {decodeCpu.TotalSeconds:0.0} s = user {decodeUser.TotalSeconds:0.0} + kernel {decodeSystem.TotalSeconds:0.0} ({Rate(size, decodeCpu)} per CPU-second), {MinorFaults() - faultsBefore} page faults (BLAKE3 of the whole file verified)");
            Console.WriteLine($"process peak RSS overall {Human(ReadStatus("VmHWM"))}; GC heap now {Human(GC.GetTotalMemory(false))}");
            return 0;
        }
        finally
        {
            if (!keep)
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    /// <summary>One small untimed round trip, so the timed runs measure optimised (tier-1) code and a primed buffer
    /// pool rather than the JIT.</summary>
    private static async Task WarmUpAsync(string root, UserIdentity owner, int chunk, int k, int m)
    {
        string warm = Path.Combine(root, "warm-up");
        Directory.CreateDirectory(warm);
        string input = Path.Combine(warm, "in.bin");
        await GenerateAsync(input, 48L * chunk);
        using (Store store = await Store.OpenAsync(new ChunkStoreOptions(Path.Combine(warm, "store")) { FlushToDisk = false }, null, CancellationToken.None))
        {
            for (int round = 0; round < 3; round++)
            {
                EncodeResult encoded = await FileEncoder.EncodeAsync(input,
                    new EncodeOptions { Owner = owner, Name = "warm.bin", ChunkSize = chunk, DataShards = k, ParityShards = m },
                    new ChunkStoreShardSink(store), null, CancellationToken.None);
                await FileDecoder.DecodeAsync(encoded.Manifest, owner, new ChunkStoreShardSource(store), Path.Combine(warm, "out.bin"),
                    new DecodeOptions { Overwrite = true, FlushToDisk = false }, null, CancellationToken.None);
            }
        }
        Directory.Delete(warm, recursive: true);
    }

    /// <summary>Pseudo-random, incompressible content, written in 4 MiB blocks (not timed).</summary>
    private static async Task GenerateAsync(string path, long size)
    {
        byte[] block = new byte[4 << 20];
        Random random = new(42);
        await using FileStream stream = new(path, FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
        for (long written = 0; written < size; written += block.Length)
        {
            random.NextBytes(block);
            await stream.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, size - written)));
        }
    }

    /// <summary>Linux: writing 5 to clear_refs resets VmHWM, so each phase's peak is its own.</summary>
    private static void ResetPeakRss()
    {
        GC.Collect();
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static long PeakRss()
    {
        long hwm = ReadStatus("VmHWM");
        return hwm > 0 ? hwm : Process.GetCurrentProcess().PeakWorkingSet64;
    }

    private static long ReadStatus(string field)
    {
        if (!File.Exists("/proc/self/status"))
        {
            return 0;
        }
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }

    private static (TimeSpan User, TimeSpan System) Cpu()
    {
        using Process self = Process.GetCurrentProcess();
        return (self.UserProcessorTime, self.PrivilegedProcessorTime);
    }

    private static (TimeSpan User, TimeSpan System) Since((TimeSpan User, TimeSpan System) before)
    {
        (TimeSpan user, TimeSpan system) = Cpu();
        return (user - before.User, system - before.System);
    }

    /// <summary>Minor page faults so far (Linux /proc/self/stat field 10), to see fresh memory being touched.</summary>
    private static long MinorFaults()
    {
        if (!File.Exists("/proc/self/stat"))
        {
            return 0;
        }
        string stat = File.ReadAllText("/proc/self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static long Parse(string[] args, string name, string fallback) => ParseSize(Option(args, name) ?? fallback);

    /// <summary>"1GiB", "512MiB", "64KiB", "12345".</summary>
    private static long ParseSize(string text)
    {
        (string suffix, long factor)[] units = [("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10)];
        foreach ((string suffix, long factor) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return long.Parse(text[..^suffix.Length], CultureInfo.InvariantCulture) * factor;
            }
        }
        return long.Parse(text, CultureInfo.InvariantCulture);
    }

    private static string Rate(long bytes, TimeSpan elapsed) => $"{bytes / elapsed.TotalSeconds / 1e6:0} MB/s";

    private static string Human(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.00} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} B",
    };
}
