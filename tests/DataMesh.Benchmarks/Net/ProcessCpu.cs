using System.Globalization;

namespace DataMesh.Benchmarks.Net;

/// <summary>CPU seconds (user + system) a process has used so far, from /proc/&lt;pid&gt;/stat (fields 14 and 15, in
/// clock ticks). On a shared machine CPU per byte is the steady figure where wall-clock MB/s is not.</summary>
internal static class ProcessCpu
{
    /// <summary>Linux's USER_HZ: /proc reports times in 1/100 s on every mainstream architecture.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>User and system seconds of <paramref name="processId"/>; null once it has exited or off Linux.</summary>
    public static (double User, double System)? Read(int processId)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{processId}/stat");
            // The command name (field 2) is in parentheses and may contain spaces: fields are counted after it.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) / TicksPerSecond,
                long.Parse(fields[12], CultureInfo.InvariantCulture) / TicksPerSecond);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Samples several processes at once, to subtract one sample from a later one.</summary>
    public static (double User, double System)[] Sample(IReadOnlyList<int> processIds) =>
        [.. processIds.Select(id => Read(id) ?? (double.NaN, double.NaN))];

    /// <summary>"client 1.23+0.45 s/GiB, nodes 0.50+0.30 s/GiB (sum over 6)": user+system CPU seconds per GiB moved
    /// between two samples; the first process is the client, the rest the storage nodes.</summary>
    public static string Describe((double User, double System)[] before, (double User, double System)[] after, double gib)
    {
        double clientUser = (after[0].User - before[0].User) / gib;
        double clientSystem = (after[0].System - before[0].System) / gib;
        double nodesUser = 0, nodesSystem = 0;
        for (int i = 1; i < before.Length; i++)
        {
            nodesUser += after[i].User - before[i].User;
            nodesSystem += after[i].System - before[i].System;
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"CPU s/GiB (user+sys): client {clientUser:0.00}+{clientSystem:0.00} = {clientUser + clientSystem:0.00}, storage nodes (sum of {before.Length - 1}) {nodesUser / gib:0.00}+{nodesSystem / gib:0.00} = {(nodesUser + nodesSystem) / gib:0.00}, total {(clientUser + clientSystem) + ((nodesUser + nodesSystem) / gib):0.00}");
    }
}
