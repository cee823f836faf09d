using System.Diagnostics;
using System.Globalization;
using DataMesh.Benchmarks.Net;
using DataMesh.Storage.ChunkStore;
using DataMesh.Storage.Io;
using DataMesh.Storage.Keys;
using DataMesh.Storage.Pipeline;
using Store = DataMesh.Storage.ChunkStore.ChunkStore;

namespace DataMesh.Benchmarks.Pipeline;

/// <summary>Scenario benchmark: generate a file, encode it into a chunk store on disk, decode it back, and report
/// throughput each way beside a raw-disk baseline measured in the same run (<see cref="RawDiskBaseline"/>), with CPU
/// split, page faults, peak resident memory of each phase, the load average and the machine.
/// <code>dotnet run -c Release --project tests/DataMesh.Benchmarks -- pipeline --size 1GiB [--chunk 1MiB] [--k 10]
///     [--m 4] [--dir /path] [--parallelism N] [--window N] [--no-fsync] [--no-group-commit] [--no-baseline] [--keep]</code></summary>
internal static class PipelineScenario
{
    public static async Task<int> RunAsync(string[] args)
    {
        long size = Parse(args, "--size", "1GiB");
        int chunk = (int)Parse(args, "--chunk", "1MiB");
        int k = (int)Parse(args, "--k", "10");
        int m = (int)Parse(args, "--m", "4");
        int parallelism = (int)Parse(args, "--parallelism", EncodeOptions.DefaultParallelism.ToString(CultureInfo.InvariantCulture));
        int window = (int)Parse(args, "--window", "2");
        bool fsync = !args.Contains("--no-fsync");
        bool groupCommit = !args.Contains("--no-group-commit");
        bool baseline = !args.Contains("--no-baseline");
        bool keep = args.Contains("--keep");
        string root = Option(args, "--dir") ?? Path.Combine(Path.GetTempPath(), "datamesh-pipeline-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        string input = Path.Combine(root, "input.bin");
        string output = Path.Combine(root, "output.bin");

        Console.WriteLine($"pipeline: {Human(size)} file, chunk {Human(chunk)}, k={k} m={m}, parallelism {parallelism}, window {window}, fsync {(fsync ? "on" : "off")}, group commit {(fsync && groupCommit ? "on" : "off")}, dir {root}");
        Console.WriteLine($"machine: {ProcessStats.Machine(root)}; direct I/O {(DirectIo.IsSupported ? "available" : "unavailable")}");
        try
        {
            Stopwatch generate = Stopwatch.StartNew();
            await GenerateAsync(input, size);
            Console.WriteLine($"generated input in {generate.Elapsed.TotalSeconds:0.0} s (load average {MachineInfo.LoadAverage()}; other work on the machine makes wall-clock rates noisy, CPU-second rates are steadier)");

            using UserIdentity owner = UserIdentity.Generate();
            using Store store = await Store.OpenAsync(new ChunkStoreOptions(Path.Combine(root, "store")) { FlushToDisk = fsync, GroupCommit = groupCommit }, null, CancellationToken.None);
            await WarmUpAsync(root, owner, chunk, k, m);

            Phase encode = await MeasureAsync(() => FileEncoder.EncodeAsync(input,
                new EncodeOptions { Owner = owner, Name = "bench.bin", ChunkSize = chunk, DataShards = k, ParityShards = m, Parallelism = parallelism, StripesInFlight = window },
                new ChunkStoreShardSink(store), null, CancellationToken.None));
            EncodeResult encoded = encode.Result<EncodeResult>();
            Console.WriteLine($"encode: {encode.Describe(size)}; {store.ShardCount} shards, {Human(store.UsedBytes)} stored, {store.DurabilityBarriers} shared durability barriers");

            Phase decode = await MeasureAsync(() => FileDecoder.DecodeAsync(encoded.Manifest, owner, new ChunkStoreShardSource(store), output,
                new DecodeOptions { Overwrite = true, Parallelism = parallelism, FlushToDisk = fsync }, null, CancellationToken.None));
            Console.WriteLine($"decode: {decode.Describe(size)}; {decode.Result<DecodeResult>().StripesRebuilt} stripes rebuilt, whole-file BLAKE3 verified");

            if (baseline)
            {
                // The encode wrote the stored bytes; the decode read the data shards (size plus a tag per chunk) and
                // wrote the file. The raw runs move the same bytes; rates are per plaintext byte, like the pipeline's.
                string raw = Path.Combine(root, "raw.bin");
                long decodeRead = size + (((size + chunk - 1) / chunk) * 16);
                Phase rawWrite = await MeasureAsync(async () => { await RawDiskBaseline.WriteAsync(raw, store.UsedBytes, chunk, parallelism * (k + m)); return 0; });
                Console.WriteLine($"raw write of the same {Human(store.UsedBytes)} + fsync: {rawWrite.Describe(size)}");
                Phase rawCopy = await MeasureAsync(async () => { await RawDiskBaseline.CopyAsync(raw, Path.Combine(root, "raw-copy.bin"), decodeRead, chunk, parallelism * k); return 0; });
                Console.WriteLine($"raw read + write of the same {Human(decodeRead)} + fsync: {rawCopy.Describe(size)}");
                Console.WriteLine($"pipeline / raw disk: encode {encode.Seconds / rawWrite.Seconds:0.00}× the raw time ({rawWrite.Seconds / encode.Seconds:P0} of raw speed), decode {decode.Seconds / rawCopy.Seconds:0.00}× ({rawCopy.Seconds / decode.Seconds:P0} of raw speed)");
            }
            Console.WriteLine($"process peak RSS overall {Human(ProcessStats.ReadStatus("VmHWM"))}; GC heap now {Human(GC.GetTotalMemory(false))}");
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

    /// <summary>One timed phase: wall time, CPU split, page faults and its own peak RSS.</summary>
    private sealed record Phase(object? Value, double Seconds, TimeSpan User, TimeSpan Kernel, long Faults, long PeakRss, string Load)
    {
        public T Result<T>() => (T)Value!;

        public string Describe(long bytes) =>
            $"{Rate(bytes, Seconds)}, {Seconds:0.00} s, CPU {(User + Kernel).TotalSeconds:0.0} s = user {User.TotalSeconds:0.0} + kernel {Kernel.TotalSeconds:0.0} " +
            $"({Rate(bytes, (User + Kernel).TotalSeconds)} per CPU-second), {Faults} page faults, peak RSS {Human(PeakRss)}, load average {Load}";
    }

    private static async Task<Phase> MeasureAsync<T>(Func<Task<T>> run)
    {
        ProcessStats.ResetPeakRss();
        ProcessStats.Sample before = ProcessStats.Take();
        T value = await run();
        ProcessStats.Sample after = ProcessStats.Take();
        return new Phase(value, Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp).TotalSeconds, after.User - before.User,
            after.Kernel - before.Kernel, after.MinorFaults - before.MinorFaults, ProcessStats.PeakRss(), MachineInfo.LoadAverage());
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

    /// <summary>Pseudo-random, incompressible content, written in 4 MiB blocks and flushed to disk (not timed).</summary>
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
        // On disk before the timed phases: otherwise the encode's first durability barrier (syncfs with group commit)
        // would also write back the freshly generated input, a cost of the generator, not of the pipeline.
        stream.Flush(flushToDisk: true);
    }

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

    private static string Rate(long bytes, double seconds) => $"{bytes / seconds / 1e6:0} MB/s";

    private static string Human(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.00} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} B",
    };
}
