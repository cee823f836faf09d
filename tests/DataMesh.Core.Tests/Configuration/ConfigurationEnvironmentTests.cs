using DataMesh.Core.Configuration;
using DataMesh.Core.Diagnostics;

namespace DataMesh.Core.Tests.Configuration;

public sealed class ConfigurationEnvironmentTests
{
    private const string Peer = "/ip4/10.0.0.1/tcp/4001/p2p/12D3KooWGRUVh9WqpS9iTXjMyo1ExYRGa2WP6LLGwbj6KtxAFbnq";

    [Fact]
    public void Environment_overrides_file_and_defaults_and_records_the_variable()
    {
        using var sandbox = new ConfigurationSandbox();
        var path = sandbox.WriteConfig("[performance.chunks]\nmax_concurrent_retrievals = 4\nmax_concurrent_uploads = 3\n");
        var env = sandbox.Environment(
            ("DATAMESH_MAX_CONCURRENT_RETRIEVALS", "32"),
            ("DATAMESH_DATA_DIR", "/srv/datamesh"),
            ("DATAMESH_BOOTSTRAP", $" {Peer} ,{Peer.Replace("10.0.0.1", "10.0.0.2", StringComparison.Ordinal)}"),
            ("DATAMESH_STORAGE_ENABLED", "no"),
            ("DATAMESH_DHT_MODE", "Client"));

        var config = ConfigurationLoader.Load(path, env);

        Assert.Equal(32, config.Options.Performance.Chunks.MaxConcurrentRetrievals);
        Assert.Equal(3, config.Options.Performance.Chunks.MaxConcurrentUploads);
        Assert.Equal("/srv/datamesh", config.Options.Storage.DataDir);
        Assert.Equal(2, config.Options.Network.BootstrapNodes.Count);
        Assert.False(config.Options.Storage.StorageEnabled);
        Assert.Equal(DhtMode.Client, config.Options.Network.DhtMode);

        var retrievals = config.Entries.Single(e => e.Key == "performance.chunks.max_concurrent_retrievals");
        Assert.Equal(ConfigurationValueSource.Environment, retrievals.Source);
        Assert.Equal("DATAMESH_MAX_CONCURRENT_RETRIEVALS", retrievals.Origin);
        Assert.Equal(ConfigurationValueSource.File, config.Entries.Single(e => e.Key == "performance.chunks.max_concurrent_uploads").Source);
        Assert.Equal(ConfigurationValueSource.Default, config.Entries.Single(e => e.Key == "storage.chunk_size").Source);
    }

    [Fact]
    public void Bad_environment_value_names_the_key_and_variable()
    {
        using var sandbox = new ConfigurationSandbox();
        var error = Assert.Throws<ConfigurationException>(() =>
            ConfigurationLoader.Load(null, sandbox.Environment(("DATAMESH_MAX_CONCURRENT_UPLOADS", "lots"))));
        Assert.Equal("performance.chunks.max_concurrent_uploads", error.Key);
        Assert.Null(error.Line);
        Assert.Contains("DATAMESH_MAX_CONCURRENT_UPLOADS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Datamesh_config_variable_selects_the_file()
    {
        using var sandbox = new ConfigurationSandbox();
        var path = sandbox.WriteConfig("[network]\nmax_connections = 12\n", "elsewhere.toml");
        var config = ConfigurationLoader.Load(null, sandbox.Environment(("DATAMESH_CONFIG", path)));
        Assert.Equal(path, config.ConfigPath);
        Assert.Equal(12, config.Options.Network.MaxConnections);

        var explicitWins = ConfigurationLoader.Load(sandbox.WriteConfig("", "explicit.toml"), sandbox.Environment(("DATAMESH_CONFIG", path)));
        Assert.Equal(256, explicitWins.Options.Network.MaxConnections);
    }

    [Fact]
    public void Every_environment_variable_is_unique_and_prefixed()
    {
        var variables = ConfigurationKeys.All.Select(k => k.EnvironmentVariable).OfType<string>().ToArray();
        Assert.Equal(variables.Length, variables.Distinct(StringComparer.Ordinal).Count());
        Assert.All(variables, v => Assert.StartsWith("DATAMESH_", v, StringComparison.Ordinal));
        Assert.DoesNotContain(ConfigurationEnvironment.ConfigPathVariable, variables);
    }

    [Fact]
    public void Parameters_layer_on_top_with_validation()
    {
        using var sandbox = new ConfigurationSandbox();
        var options = ConfigurationLoader.Load(null, sandbox.Environment()).Options;
        var key = ConfigurationKeys.Get("Performance.Chunks.Max_Concurrent_Uploads");
        Assert.Equal(6, key.WithValue(options, 6).Performance.Chunks.MaxConcurrentUploads);
        Assert.Equal(7, key.WithValue(options, "7").Performance.Chunks.MaxConcurrentUploads);
        Assert.Equal(["/ip4/127.0.0.1/tcp/1"], ConfigurationKeys.Get("network.listen_addresses").WithValue(options, new[] { "/ip4/127.0.0.1/tcp/1" }).Network.ListenAddresses);
        Assert.Throws<ConfigurationException>(() => key.WithValue(options, 0));
        Assert.Throws<ConfigurationException>(() => key.WithValue(options, true));
        var shards = Assert.Throws<ConfigurationException>(() => ConfigurationKeys.Get("storage.data_shards").WithValue(options with { Storage = options.Storage with { ParityShards = 100 } }, 200));
        Assert.Equal("storage.data_shards", shards.Key);
        Assert.Equal(ConfigurationErrorKind.UnknownKey, Assert.Throws<ConfigurationException>(() => ConfigurationKeys.Get("network.nope")).Kind);
    }

    [Fact]
    public void Loader_logs_through_the_pipeline_queue()
    {
        using var sandbox = new ConfigurationSandbox();
        using var log = new PipelineLogQueue(includeDebug: true);
        var path = sandbox.WriteConfig("[network]\nmax_connections = 12\n");
        ConfigurationLoader.Load(path, sandbox.Environment(("DATAMESH_DHT_MODE", "server")), log);

        var entries = new List<PipelineLogEntry>();
        while (log.TryDequeue(out var entry))
        {
            entries.Add(entry);
        }
        Assert.Contains(entries, e => e.Level == PipelineLogLevel.Verbose && e.Message.Contains("1 keys set", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Level == PipelineLogLevel.Verbose && e.Message.Contains("DATAMESH_DHT_MODE", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Level == PipelineLogLevel.Debug && e.Message.Contains("network.max_connections = 12", StringComparison.Ordinal));
    }

    [Fact]
    public void Pipeline_queue_is_bounded_and_counts_drops()
    {
        using var log = new PipelineLogQueue(capacity: 3);
        var logger = log.CreateLogger("test");
        Parallel.For(0, 10, i => logger.Log(Microsoft.Extensions.Logging.LogLevel.Warning, default, i, null, (state, _) => $"message {state}"));
        var count = 0;
        while (log.TryDequeue(out var entry))
        {
            Assert.Equal(PipelineLogLevel.Warning, entry.Level);
            count++;
        }
        Assert.Equal(3, count);
        Assert.Equal(7, log.DroppedCount);
    }
}
