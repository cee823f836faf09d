using DataMesh.Core.Configuration;

namespace DataMesh.Core.Tests.Configuration;

/// <summary>A private temporary folder and a fake home/environment, so tests never see the real user's config.</summary>
internal sealed class ConfigurationSandbox : IDisposable
{
    private readonly TempDirectory _root = new("config");

    public ConfigurationSandbox()
    {
        Home = _root.Combine("home");
        Directory.CreateDirectory(Home);
    }

    public string Root => _root.Path;

    public string Home { get; }

    public ConfigurationEnvironment Environment(params (string Name, string Value)[] variables)
    {
        var all = new Dictionary<string, string> { ["HOME"] = Home };
        foreach (var (name, value) in variables)
        {
            all[name] = value;
        }
        return ConfigurationEnvironment.FromVariables(all, windows: false);
    }

    public string WriteConfig(string text, string name = "config.toml")
    {
        var path = Path.Combine(Root, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => _root.Dispose();
}

internal static class ConfigurationAssert
{
    public static ConfigurationException Fails(string toml, ConfigurationErrorKind kind, string? key, int? line)
    {
        using var sandbox = new ConfigurationSandbox();
        var path = sandbox.WriteConfig(toml);
        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(path, sandbox.Environment()));
        Assert.Equal(kind, error.Kind);
        Assert.Equal(key, error.Key);
        Assert.Equal(line, error.Line);
        Assert.Equal(path, error.Path);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        return error;
    }
}
