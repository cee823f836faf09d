using DataMesh.Core.Configuration;

namespace DataMesh.Core.Tests.Configuration;

public sealed class ConfigurationDefaultsTests
{
    [Fact]
    public void Missing_default_file_gives_documented_defaults()
    {
        using var sandbox = new ConfigurationSandbox();
        var config = ConfigurationLoader.Load(environment: sandbox.Environment());

        Assert.False(config.ConfigFileExists);
        Assert.Equal(Path.Combine(sandbox.Home, ".config", "datamesh", "config.toml"), config.ConfigPath);
        Assert.All(config.Entries, e => Assert.Equal(ConfigurationValueSource.Default, e.Source));
        Assert.All(config.Entries, e => Assert.Null(e.Origin));

        var o = config.Options;
        Assert.Equal(["/ip4/0.0.0.0/tcp/4001"], o.Network.ListenAddresses);
        Assert.Empty(o.Network.BootstrapNodes);
        Assert.Equal(3, o.Network.ReplicationFactor);
        Assert.Equal("/datamesh/kad/1.0.0", o.Network.KadProtocol);
        Assert.Equal(256, o.Network.MaxConnections);
        Assert.Equal(10, o.Network.ConnectTimeoutSecs);
        Assert.Equal(DhtMode.Auto, o.Network.DhtMode);
        Assert.Equal(Path.Combine(sandbox.Home, ".local", "share", "datamesh"), o.Storage.DataDir);
        Assert.Equal(1048576, o.Storage.ChunkSize);
        Assert.Equal(2, o.Storage.ToleratedNodeFailures);
        Assert.Equal(0, o.Storage.DataShards);
        Assert.Equal(0, o.Storage.ParityShards);
        Assert.False(o.Storage.HasFixedLayout);
        Assert.Equal(10L * 1024 * 1024 * 1024, o.Storage.MaxStorageBytes);
        Assert.True(o.Storage.StorageEnabled);
        Assert.Equal(8, o.Performance.Chunks.MaxConcurrentRetrievals);
        Assert.Equal(12, o.Performance.Chunks.MaxConcurrentUploads);
        Assert.Equal(10, o.Performance.Chunks.ChunkTimeoutSecs);
        Assert.Equal(3, o.Performance.Chunks.RetryFailedChunks);
        Assert.True(o.Performance.Chunks.PreferFastPeers);
        Assert.Equal(5, o.Performance.Chunks.PeerResponseTimeoutSecs);
        Assert.False(o.Security.RequirePassphrase);
        Assert.Equal(["dm"], o.Security.AllowedRecordNamespaces);
        Assert.Equal((20, 3, 10, 60, 600, 300, 43200, 79200), (o.Network.KadBucketSize, o.Network.KadAlpha, o.Network.KadRequestTimeoutSecs,
            o.Network.KadMaintenanceIntervalSecs, o.Network.KadRefreshIntervalSecs, o.Network.KadRandomWalkIntervalSecs,
            o.Network.KadRecordRepublishIntervalSecs, o.Network.KadProviderRepublishIntervalSecs));
    }

    [Fact]
    public void Performance_chunks_section_has_exactly_the_six_keys()
    {
        var keys = ConfigurationKeys.All.Where(k => k.Section == "performance.chunks").Select(k => k.LeafName);
        Assert.Equal(
            ["max_concurrent_retrievals", "max_concurrent_uploads", "chunk_timeout_secs", "retry_failed_chunks", "prefer_fast_peers", "peer_response_timeout_secs"],
            keys);
    }

    [Fact]
    public void Xdg_folders_are_used_when_absolute_and_ignored_when_relative()
    {
        using var sandbox = new ConfigurationSandbox();
        var xdg = sandbox.Environment(("XDG_CONFIG_HOME", "/xdg/config"), ("XDG_DATA_HOME", "relative/data"));
        Assert.Equal(Path.Combine("/xdg/config", "datamesh", "config.toml"), xdg.DefaultConfigPath);
        Assert.Equal(Path.Combine(sandbox.Home, ".local", "share", "datamesh"), xdg.DefaultDataDirectory);
    }

    [Fact]
    public void Windows_folders_come_from_appdata_and_localappdata()
    {
        var windows = ConfigurationEnvironment.FromVariables(
            new Dictionary<string, string> { ["APPDATA"] = "/roaming", ["LOCALAPPDATA"] = "/local" }, windows: true);
        Assert.Equal(Path.Combine("/roaming", "DataMesh", "config.toml"), windows.DefaultConfigPath);
        Assert.Equal(Path.Combine("/local", "DataMesh"), windows.DefaultDataDirectory);
    }

    [Fact]
    public void Repository_config_toml_is_valid_and_documents_the_defaults()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "DataMesh.PowerShell.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        }
        using var sandbox = new ConfigurationSandbox();
        var path = Path.Combine(root, "config.toml");
        var fromFile = ConfigurationLoader.FromToml(File.ReadAllText(path), path, sandbox.Environment());
        var defaults = ConfigurationLoader.Load(environment: sandbox.Environment());

        // Every key except the machine-specific data folder is written out with its default value.
        var fileKeys = fromFile.Entries.Where(e => e.Source == ConfigurationValueSource.File).Select(e => e.Key);
        Assert.Equal(ConfigurationKeys.All.Select(k => k.Name).Where(k => k != "storage.data_dir"), fileKeys);
        Assert.Equal(defaults.Entries.Select(e => e.DisplayValue), fromFile.Entries.Select(e => e.DisplayValue));
    }
}
