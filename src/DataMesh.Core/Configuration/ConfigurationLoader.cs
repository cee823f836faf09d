using DataMesh.Core.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataMesh.Core.Configuration;

/// <summary>
/// Builds the effective configuration from its layers: built-in defaults &lt; config.toml &lt; <c>DATAMESH_*</c>
/// environment variables. Callers apply their own parameters on top with <c>with</c> or <see cref="ConfigurationKey.WithValue"/>.
/// </summary>
public static class ConfigurationLoader
{
    /// <summary>
    /// The config file to use: <paramref name="explicitPath"/>, else <c>DATAMESH_CONFIG</c>, else the user's
    /// config folder. <paramref name="isExplicit"/> tells whether the user named the file (then it must exist to be read).
    /// </summary>
    public static string ResolvePath(string? explicitPath, ConfigurationEnvironment environment, out bool isExplicit)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var chosen = string.IsNullOrWhiteSpace(explicitPath) ? environment.GetVariable(ConfigurationEnvironment.ConfigPathVariable) : explicitPath;
        isExplicit = chosen is not null;
        return Path.GetFullPath(chosen ?? environment.DefaultConfigPath);
    }

    /// <summary>Loads defaults, the config file and environment overrides.</summary>
    /// <exception cref="ConfigurationException">The file is malformed, names unknown keys, has bad values, or an explicitly named file is missing.</exception>
    public static DataMeshConfiguration Load(string? explicitPath = null, ConfigurationEnvironment? environment = null, ILogger? logger = null)
    {
        environment ??= ConfigurationEnvironment.Process;
        logger ??= NullLogger.Instance;
        var path = ResolvePath(explicitPath, environment, out var isExplicit);
        var text = ReadFile(path, isExplicit);
        if (text is null)
        {
            Log.ConfigFileMissing(logger, path);
        }
        var layers = new ConfigurationLayers(environment, path, logger);
        if (text is not null)
        {
            layers.ApplyFile(text);
        }
        layers.ApplyEnvironment();
        return layers.Build(text is not null);
    }

    /// <summary>The same as <see cref="Load(string?, ConfigurationEnvironment?, ILogger?)"/>, logging into a queue a host drains on its own thread.</summary>
    public static DataMeshConfiguration Load(string? explicitPath, ConfigurationEnvironment? environment, PipelineLogQueue log)
    {
        ArgumentNullException.ThrowIfNull(log);
        return Load(explicitPath, environment, log.CreateLogger(typeof(ConfigurationLoader).FullName!));
    }

    /// <summary>Defaults plus the given TOML text (no environment layer), as if read from <paramref name="path"/>.</summary>
    /// <exception cref="ConfigurationException">The text is malformed, names unknown keys or has bad values.</exception>
    public static DataMeshConfiguration FromToml(string text, string path, ConfigurationEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var layers = new ConfigurationLayers(environment ?? ConfigurationEnvironment.Process, Path.GetFullPath(path), NullLogger.Instance);
        layers.ApplyFile(text);
        return layers.Build(fileExists: true);
    }

    /// <summary>Reads the file, or returns null when it does not exist and was not named explicitly.</summary>
    internal static string? ReadFile(string path, bool mustExist)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return mustExist
                    ? throw new ConfigurationException(ConfigurationErrorKind.FileNotFound, "the configuration file does not exist", path: path)
                    : null;
            }
            if (info.Length > TomlSettings.MaxFileBytes)
            {
                throw new ConfigurationException(ConfigurationErrorKind.InvalidValue,
                    $"the configuration file is {info.Length} bytes, more than the {TomlSettings.MaxFileBytes} allowed", path: path);
            }
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(ConfigurationErrorKind.FileAccess, "cannot read the configuration file: " + ex.Message, path: path, innerException: ex);
        }
    }
}
