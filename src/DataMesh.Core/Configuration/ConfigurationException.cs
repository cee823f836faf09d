namespace DataMesh.Core.Configuration;

/// <summary>What went wrong with a configuration, so hosts can map it to a stable error id.</summary>
public enum ConfigurationErrorKind
{
    /// <summary>The TOML text itself is malformed.</summary>
    Syntax,
    /// <summary>A section or key that DataMesh does not know.</summary>
    UnknownKey,
    /// <summary>A known key with a value of the wrong type or out of range.</summary>
    InvalidValue,
    /// <summary>An explicitly requested configuration file does not exist.</summary>
    FileNotFound,
    /// <summary>The configuration file could not be read or written.</summary>
    FileAccess,
}

/// <summary>
/// A configuration error that names what is wrong and where: the key (<c>section.key</c>), the file and the
/// 1-based line when the value came from a file. Values from environment variables carry no path or line;
/// the message names the variable instead.
/// </summary>
public sealed class ConfigurationException : DataMeshException
{
    public ConfigurationException(ConfigurationErrorKind kind, string message, string? key = null, string? path = null, int? line = null, Exception? innerException = null)
        : base(Describe(message, key, path, line), innerException)
    {
        Kind = kind;
        Key = key;
        Path = path;
        Line = line;
        Reason = message;
    }

    public ConfigurationErrorKind Kind { get; }

    /// <summary>The full key (<c>section.key</c>) the error is about, when there is one.</summary>
    public string? Key { get; }

    /// <summary>The configuration file, when the error came from one.</summary>
    public string? Path { get; }

    /// <summary>The 1-based line in <see cref="Path"/>, when known.</summary>
    public int? Line { get; }

    /// <summary>The message without the location prefix.</summary>
    public string Reason { get; }

    private static string Describe(string message, string? key, string? path, int? line)
    {
        var location = (path, line) switch
        {
            (not null, not null) => $"{path}:{line}: ",
            (not null, null) => $"{path}: ",
            _ => string.Empty,
        };
        var subject = key is null ? string.Empty : $"'{key}': ";
        return location + subject + message;
    }
}
