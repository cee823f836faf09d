namespace DataMesh.Benchmarks.Net;

/// <summary>The layouts the network suites can compare (<c>--layouts policy,fixed</c>): name, client config.toml
/// (null: the defaults) and description. "policy" is the default configuration, tolerated_node_failures = 2 choosing
/// the layout from the nodes; "fixed" the old layout set through config, 8+4 with 3 copies of each shard.</summary>
internal static class BenchLayouts
{
    public static readonly IReadOnlyDictionary<string, (string? Config, string Description)> All =
        new Dictionary<string, (string? Config, string Description)>(StringComparer.Ordinal)
        {
            ["policy"] = (null, "default policy, tolerated_node_failures = 2"),
            ["fixed"] = ("[network]\nreplication_factor = 3\n[storage]\ndata_shards = 8\nparity_shards = 4\n", "old fixed layout 8+4, 3 copies"),
        };

    /// <summary>The names in <paramref name="list"/> (comma-separated), or null after printing the known names when one is unknown.</summary>
    public static string[]? Parse(string list)
    {
        string[] layouts = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (layouts.Length == 0 || layouts.Any(l => !All.ContainsKey(l)))
        {
            Console.Error.WriteLine($"--layouts takes a comma-separated list of: {string.Join(", ", All.Keys)}");
            return null;
        }
        return layouts;
    }
}
