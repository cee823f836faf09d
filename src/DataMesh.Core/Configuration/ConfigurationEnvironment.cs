using System.Runtime.InteropServices;

namespace DataMesh.Core.Configuration;

/// <summary>
/// The environment the configuration is resolved in: environment variables and the platform's per-user
/// folders. <see cref="Process"/> reads the live process; tests build their own with <see cref="FromVariables"/>.
/// </summary>
public sealed class ConfigurationEnvironment
{
    /// <summary>Names the configuration file to use when no path is passed explicitly.</summary>
    public const string ConfigPathVariable = "DATAMESH_CONFIG";

    private readonly Func<string, string?> _lookup;
    private readonly bool _isWindows;

    private ConfigurationEnvironment(Func<string, string?> lookup, bool isWindows)
    {
        _lookup = lookup;
        _isWindows = isWindows;
    }

    /// <summary>The current process environment, read at each lookup.</summary>
    public static ConfigurationEnvironment Process { get; } =
        new(Environment.GetEnvironmentVariable, RuntimeInformation.IsOSPlatform(OSPlatform.Windows));

    /// <summary>A fixed set of variables (nothing else is visible), with the platform rules of <paramref name="windows"/>.</summary>
    public static ConfigurationEnvironment FromVariables(IReadOnlyDictionary<string, string> variables, bool? windows = null)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var copy = new Dictionary<string, string>(variables, StringComparer.Ordinal);
        return new(name => copy.TryGetValue(name, out var value) ? value : null,
            windows ?? RuntimeInformation.IsOSPlatform(OSPlatform.Windows));
    }

    /// <summary>The value of a variable; empty values count as unset.</summary>
    public string? GetVariable(string name)
    {
        var value = _lookup(name);
        return string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary><c>%APPDATA%\DataMesh\config.toml</c> on Windows, else <c>$XDG_CONFIG_HOME/datamesh/config.toml</c> (default <c>~/.config</c>).</summary>
    public string DefaultConfigPath => _isWindows
        ? System.IO.Path.Combine(WindowsFolder("APPDATA", Environment.SpecialFolder.ApplicationData), "DataMesh", "config.toml")
        : System.IO.Path.Combine(XdgFolder("XDG_CONFIG_HOME", ".config"), "datamesh", "config.toml");

    /// <summary><c>%LOCALAPPDATA%\DataMesh</c> on Windows, else <c>$XDG_DATA_HOME/datamesh</c> (default <c>~/.local/share</c>).</summary>
    public string DefaultDataDirectory => _isWindows
        ? System.IO.Path.Combine(WindowsFolder("LOCALAPPDATA", Environment.SpecialFolder.LocalApplicationData), "DataMesh")
        : System.IO.Path.Combine(XdgFolder("XDG_DATA_HOME", System.IO.Path.Combine(".local", "share")), "datamesh");

    /// <summary>The user's home folder, used to expand a leading <c>~</c> in paths.</summary>
    public string HomeDirectory =>
        GetVariable(_isWindows ? "USERPROFILE" : "HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private string WindowsFolder(string variable, Environment.SpecialFolder fallback) =>
        GetVariable(variable) ?? Environment.GetFolderPath(fallback);

    private string XdgFolder(string variable, string homeRelativeDefault)
    {
        // The XDG spec says relative values are invalid and must be ignored.
        var value = GetVariable(variable);
        return value is not null && System.IO.Path.IsPathRooted(value)
            ? value
            : System.IO.Path.Combine(HomeDirectory, homeRelativeDefault);
    }
}
