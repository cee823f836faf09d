namespace DataMesh.Core.Configuration;

/// <summary>Which layer decided a value.</summary>
public enum ConfigurationValueSource
{
    Default,
    File,
    Environment,
}

/// <summary>One key of the effective configuration, with where its value came from.</summary>
/// <param name="Key">The full key, e.g. <c>storage.chunk_size</c>.</param>
/// <param name="Value">The typed value (int, long, bool, string, string list or enum).</param>
/// <param name="DisplayValue">The value as a TOML literal.</param>
/// <param name="Source">The layer that set it.</param>
/// <param name="Origin"><c>file:line</c> for a file value, the variable name for an environment value, null for a default.</param>
/// <param name="Description">What the key does.</param>
public sealed record ConfigurationEntry(
    string Key,
    object Value,
    string DisplayValue,
    ConfigurationValueSource Source,
    string? Origin,
    string Description);

/// <summary>The effective configuration: the options and, per key, where the value came from.</summary>
public sealed class DataMeshConfiguration
{
    internal DataMeshConfiguration(DataMeshOptions options, IReadOnlyList<ConfigurationEntry> entries, string configPath, bool configFileExists)
    {
        Options = options;
        Entries = entries;
        ConfigPath = configPath;
        ConfigFileExists = configFileExists;
    }

    public DataMeshOptions Options { get; }

    /// <summary>Every key, in the order of <see cref="ConfigurationKeys.All"/>.</summary>
    public IReadOnlyList<ConfigurationEntry> Entries { get; }

    /// <summary>The config file that was (or would have been) read.</summary>
    public string ConfigPath { get; }

    public bool ConfigFileExists { get; }
}
