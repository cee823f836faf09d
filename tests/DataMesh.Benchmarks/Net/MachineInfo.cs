using System.Globalization;

namespace DataMesh.Benchmarks.Net;

/// <summary>The machine a scenario ran on, printed with its figures: the machine is shared, so the load average
/// says how much the figures can be trusted.</summary>
internal static class MachineInfo
{
    public static string CpuModel()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown CPU" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }

    /// <summary>The 1, 5 and 15 minute load averages as /proc/loadavg gives them.</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    public static string Describe() =>
        $"machine: {Environment.ProcessorCount} cores, {CpuModel()}, {Environment.OSVersion}, .NET {Environment.Version}, load average {LoadAverage()}";

    /// <summary>A process's peak resident set (VmHWM) in MiB, from /proc; null once it has exited.</summary>
    public static double? PeakRssMiB(int processId)
    {
        try
        {
            string? line = File.ReadLines($"/proc/{processId}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            if (line is null)
            {
                return null;
            }
            string kib = line["VmHWM:".Length..].Trim().Split(' ')[0];
            return long.Parse(kib, CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
