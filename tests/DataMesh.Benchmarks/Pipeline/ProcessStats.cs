using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace DataMesh.Benchmarks.Pipeline;

/// <summary>What the pipeline scenario reports beside each rate: CPU split, page faults, peak RSS, load average and
/// the machine, read from /proc on Linux (zeros or "n/a" elsewhere).</summary>
internal static class ProcessStats
{
    public readonly record struct Sample(TimeSpan User, TimeSpan Kernel, long MinorFaults, long Timestamp);

    public static Sample Take()
    {
        using Process self = Process.GetCurrentProcess();
        return new Sample(self.UserProcessorTime, self.PrivilegedProcessorTime, MinorFaults(), Stopwatch.GetTimestamp());
    }

    /// <summary>Linux: writing 5 to clear_refs resets VmHWM, so each phase's peak is its own.</summary>
    public static void ResetPeakRss()
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

    public static long PeakRss()
    {
        long hwm = ReadStatus("VmHWM");
        return hwm > 0 ? hwm : Process.GetCurrentProcess().PeakWorkingSet64;
    }

    public static long ReadStatus(string field)
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

    /// <summary>CPU model, cores, memory, OS and the file system holding <paramref name="directory"/>.</summary>
    public static string Machine(string directory)
    {
        string cpu = "unknown CPU";
        if (File.Exists("/proc/cpuinfo"))
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        long memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return $"{cpu}, {Environment.ProcessorCount} cores, {memory / (1L << 30)} GiB RAM, {RuntimeInformation.OSDescription}, {FileSystem(directory)}";
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

    /// <summary>The mount with the longest path prefix of <paramref name="directory"/>: "ext4 on /dev/vda (rw,…)".</summary>
    private static string FileSystem(string directory)
    {
        if (!File.Exists("/proc/mounts"))
        {
            return "file system n/a";
        }
        string full = Path.GetFullPath(directory);
        string[]? best = null;
        foreach (string line in File.ReadLines("/proc/mounts"))
        {
            string[] parts = line.Split(' ');
            if (parts.Length >= 4 && (full == parts[1] || full.StartsWith(parts[1].TrimEnd('/') + "/", StringComparison.Ordinal))
                && (best is null || parts[1].Length > best[1].Length))
            {
                best = parts;
            }
        }
        return best is null ? "file system n/a" : $"{best[2]} on {best[0]} ({best[3]})";
    }
}
