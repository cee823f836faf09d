using System.Globalization;

namespace DataMesh.Benchmarks.Kad;

/// <summary>Figures for the kad-sim report: distributions (median, p90, max) and process memory.</summary>
internal static class KadSimulationStats
{
    public static double Percentile(IReadOnlyCollection<double> values, int percent)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percent / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    public static double Median(IReadOnlyCollection<double> values) => Percentile(values, 50);

    /// <summary>"median m, p90 p, max x" (mean too), formatted with <paramref name="format"/>.</summary>
    public static string Describe(IReadOnlyCollection<double> values, string format = "0.0") =>
        values.Count == 0
            ? "none"
            : string.Create(CultureInfo.InvariantCulture, $"median {Median(values).ToString(format, CultureInfo.InvariantCulture)}, p90 {Percentile(values, 90).ToString(format, CultureInfo.InvariantCulture)}, max {values.Max().ToString(format, CultureInfo.InvariantCulture)}, mean {values.Average().ToString(format, CultureInfo.InvariantCulture)}");

    /// <summary>Peak resident set of the process (VmHWM), in bytes; the kernel's figure, not the GC's.</summary>
    public static long PeakResidentBytes() => ReadStatusKiB("VmHWM:") * 1024;

    public static long ResidentBytes() => ReadStatusKiB("VmRSS:") * 1024;

    private static long ReadStatusKiB(string field)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return Environment.WorkingSet / 1024; // not Linux: the closest figure .NET has
        }
        foreach (string line in File.ReadLines(status))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }
        return Environment.WorkingSet / 1024;
    }

    public static long SettledManagedBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    public static string MiB(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0", CultureInfo.InvariantCulture) + " MiB";

    public static string KiB(double bytes) => (bytes / 1024.0).ToString("0", CultureInfo.InvariantCulture) + " KiB";
}
