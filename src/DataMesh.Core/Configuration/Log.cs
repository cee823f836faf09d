using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Configuration;

internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "No configuration file at {Path}; using built-in defaults")]
    public static partial void ConfigFileMissing(ILogger logger, string path);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Read configuration file {Path} ({Count} keys set)")]
    public static partial void ConfigFileRead(ILogger logger, string path, int count);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "{Key} = {Value} from {Origin}")]
    public static partial void ValueApplied(ILogger logger, string key, DisplayedValue value, string origin);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Environment variable {Variable} overrides {Key}")]
    public static partial void EnvironmentOverride(ILogger logger, string variable, string key);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "Wrote {Key} = {Value} to {Path}")]
    public static partial void ValueWritten(ILogger logger, string key, string value, string path);
}

/// <summary>Formats a value as TOML only if a log message is actually written.</summary>
internal readonly struct DisplayedValue(ConfigurationKey key, object value)
{
    public override string ToString() => key.FormatValue(value);
}
