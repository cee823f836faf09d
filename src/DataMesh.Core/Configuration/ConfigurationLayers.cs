using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Configuration;

/// <summary>
/// The one mapper from configuration sources to <see cref="DataMeshOptions"/>: applies file settings and
/// environment variables key by key through <see cref="ConfigurationKey"/>, remembering where each value came from.
/// </summary>
internal sealed class ConfigurationLayers
{
    private readonly ConfigurationEnvironment _environment;
    private readonly string _path;
    private readonly ILogger _logger;
    private readonly Dictionary<string, (ConfigurationValueSource Source, string Origin, SourceLocation Location)> _origins = new(StringComparer.Ordinal);
    private DataMeshOptions _options;

    public ConfigurationLayers(ConfigurationEnvironment environment, string path, ILogger logger)
    {
        _environment = environment;
        _path = path;
        _logger = logger;
        _options = new DataMeshOptions { Storage = new StorageOptions { DataDir = environment.DefaultDataDirectory } };
    }

    public void ApplyFile(string text)
    {
        var document = TomlSettings.Parse(text, _path);
        var settings = TomlSettings.Flatten(document, _path);
        var context = new ValueContext(Path.GetDirectoryName(_path) ?? Directory.GetCurrentDirectory(), _environment.HomeDirectory);
        foreach (var setting in settings)
        {
            if (!ConfigurationKeys.TryGet(setting.Key, out var key))
            {
                throw new ConfigurationException(ConfigurationErrorKind.UnknownKey, UnknownKeyMessage(setting.Key), setting.Key, _path, setting.Line);
            }
            if (!key.TryRead(setting.Node.Value!, context, out var value, out var error))
            {
                throw new ConfigurationException(ConfigurationErrorKind.InvalidValue, error, key.Name, _path, setting.Line);
            }
            Set(key, value, ConfigurationValueSource.File, $"{_path}:{setting.Line}", new SourceLocation(_path, setting.Line));
        }
        Log.ConfigFileRead(_logger, _path, settings.Count);
    }

    public void ApplyEnvironment()
    {
        var context = new ValueContext(Directory.GetCurrentDirectory(), _environment.HomeDirectory);
        foreach (var key in ConfigurationKeys.All)
        {
            if (key.EnvironmentVariable is null || _environment.GetVariable(key.EnvironmentVariable) is not { } text)
            {
                continue;
            }
            if (!key.TryConvert(text, context, out var value, out var error))
            {
                throw new ConfigurationException(ConfigurationErrorKind.InvalidValue, $"environment variable {key.EnvironmentVariable}: {error}", key.Name);
            }
            Log.EnvironmentOverride(_logger, key.EnvironmentVariable, key.Name);
            Set(key, value, ConfigurationValueSource.Environment, key.EnvironmentVariable, new SourceLocation(null, null));
        }
    }

    public DataMeshConfiguration Build(bool fileExists)
    {
        ConfigurationRules.Check(_options, key => _origins.TryGetValue(key, out var origin) ? origin.Location : null);
        var entries = ConfigurationKeys.All.Select(key =>
        {
            var value = key.GetValue(_options);
            var (source, origin) = _origins.TryGetValue(key.Name, out var o) ? (o.Source, o.Origin) : (ConfigurationValueSource.Default, null);
            return new ConfigurationEntry(key.Name, value, key.FormatValue(value), source, origin, key.Description);
        }).ToArray();
        return new DataMeshConfiguration(_options, entries, _path, fileExists);
    }

    private void Set(ConfigurationKey key, object value, ConfigurationValueSource source, string origin, SourceLocation location)
    {
        _options = key.Apply(_options, value);
        _origins[key.Name] = (source, origin, location);
        Log.ValueApplied(_logger, key.Name, new DisplayedValue(key, value), origin);
    }

    private static string UnknownKeyMessage(string fullKey)
    {
        var section = ConfigurationKeys.Sections.Where(s => fullKey.StartsWith(s + ".", StringComparison.Ordinal)).OrderByDescending(s => s.Length).FirstOrDefault();
        var candidates = ConfigurationKeys.All.Where(k => section is null || k.Section == section).Select(k => k.Name);
        return "is not a configuration key; known keys" + (section is null ? ": " : $" in [{section}]: ") + string.Join(", ", candidates);
    }
}
