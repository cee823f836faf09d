namespace DataMesh.Core.Configuration;

/// <summary>Where a value came from in a file, to point errors at it.</summary>
internal readonly record struct SourceLocation(string? Path, int? Line);

/// <summary>Checks that involve more than one key; single-key ranges live with the key.</summary>
internal static class ConfigurationRules
{
    /// <summary>Reed-Solomon over GF(2^8) cannot have more than 255 shards in total.</summary>
    public const int MaxTotalShards = 255;

    /// <param name="locate">Where a key was set (null when it kept its default), to report the error there.</param>
    public static void Check(DataMeshOptions options, Func<string, SourceLocation?> locate)
    {
        var storage = options.Storage;
        const string parity = "storage.parity_shards", data = "storage.data_shards";
        if ((storage.DataShards > 0) != (storage.ParityShards > 0))
        {
            // Half a layout would silently mean something: data shards without parity lose the file with any node.
            string key = storage.DataShards > 0 ? data : parity, other = storage.DataShards > 0 ? parity : data;
            var where = locate(key);
            throw new ConfigurationException(ConfigurationErrorKind.InvalidValue,
                $"a fixed layout needs both data_shards and parity_shards (at least 1 each); {other} is not set. " +
                "Set both in config.toml, or neither to let tolerated_node_failures choose each file's layout",
                key, where?.Path, where?.Line);
        }
        if (storage.DataShards + storage.ParityShards > MaxTotalShards)
        {
            var key = locate(parity) is not null || locate(data) is null ? parity : data;
            var where = locate(key);
            throw new ConfigurationException(ConfigurationErrorKind.InvalidValue,
                $"data_shards + parity_shards is {storage.DataShards + storage.ParityShards}, at most {MaxTotalShards} are possible",
                key, where?.Path, where?.Line);
        }
    }
}
