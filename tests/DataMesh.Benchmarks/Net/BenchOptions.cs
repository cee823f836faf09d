using System.Globalization;

namespace DataMesh.Benchmarks.Net;

/// <summary>The `--name value` options of the network scenarios.</summary>
internal sealed class BenchOptions(string[] args)
{
    public int Int(string name, int fallback) =>
        Text(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) =>
        Text(name) is { } text ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;

    /// <summary>A comma-separated list such as "1,4,8,16".</summary>
    public int[] Ints(string name, int[] fallback) =>
        Text(name) is { } text ? [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))] : fallback;

    public bool Flag(string name) => args.Contains(name);

    public string? Text(string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}
