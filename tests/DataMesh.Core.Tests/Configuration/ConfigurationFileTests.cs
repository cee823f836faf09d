using DataMesh.Core.Configuration;

namespace DataMesh.Core.Tests.Configuration;

public sealed class ConfigurationFileTests
{
    private const string PeerId = "12D3KooWGRUVh9WqpS9iTXjMyo1ExYRGa2WP6LLGwbj6KtxAFbnq";

    private const string EveryKey = $"""
        # every key, none at its default
        [network]
        listen_addresses = ["/ip4/127.0.0.1/tcp/5001", "/ip6/::1/tcp/5001"]
        bootstrap_nodes = ["/dns4/boot.example/tcp/4001/p2p/{PeerId}"]
        replication_factor = 5
        kad_protocol = "/test/kad/2.0.0"
        max_connections = 64
        connect_timeout_secs = 7
        dht_mode = "server"
        kad_bucket_size = 8
        kad_alpha = 2
        kad_request_timeout_secs = 4
        kad_maintenance_interval_secs = 5
        kad_refresh_interval_secs = 120
        kad_random_walk_interval_secs = 90
        kad_record_republish_interval_secs = 3600
        kad_provider_republish_interval_secs = 7200

        [storage]
        data_dir = "store"
        chunk_size = 65536
        data_shards = 10
        parity_shards = 6
        max_storage_bytes = 20_000_000
        storage_enabled = false
        group_commit = false
        tolerated_node_failures = 3

        [performance.chunks]
        max_concurrent_retrievals = 16
        max_concurrent_uploads = 2
        chunk_timeout_secs = 30
        retry_failed_chunks = 0
        prefer_fast_peers = false
        peer_response_timeout_secs = 9

        [security]
        require_passphrase = true
        allowed_record_namespaces = []

        [maintenance]
        enabled = false
        check_interval_secs = 60
        files_per_run = 7
        """;

    [Fact]
    public void Every_key_is_read_from_the_file_with_its_line()
    {
        using var sandbox = new ConfigurationSandbox();
        var path = sandbox.WriteConfig(EveryKey);
        var config = ConfigurationLoader.Load(path, sandbox.Environment());
        var o = config.Options;

        Assert.True(config.ConfigFileExists);
        Assert.Equal(["/ip4/127.0.0.1/tcp/5001", "/ip6/::1/tcp/5001"], o.Network.ListenAddresses);
        Assert.Equal([$"/dns4/boot.example/tcp/4001/p2p/{PeerId}"], o.Network.BootstrapNodes);
        Assert.Equal(5, o.Network.ReplicationFactor);
        Assert.Equal("/test/kad/2.0.0", o.Network.KadProtocol);
        Assert.Equal(64, o.Network.MaxConnections);
        Assert.Equal(7, o.Network.ConnectTimeoutSecs);
        Assert.Equal(DhtMode.Server, o.Network.DhtMode);
        Assert.Equal((8, 2, 4, 5, 120, 90, 3600, 7200), (o.Network.KadBucketSize, o.Network.KadAlpha, o.Network.KadRequestTimeoutSecs,
            o.Network.KadMaintenanceIntervalSecs, o.Network.KadRefreshIntervalSecs, o.Network.KadRandomWalkIntervalSecs,
            o.Network.KadRecordRepublishIntervalSecs, o.Network.KadProviderRepublishIntervalSecs));
        Assert.Equal(Path.Combine(sandbox.Root, "store"), o.Storage.DataDir);
        Assert.Equal(65536, o.Storage.ChunkSize);
        Assert.Equal(10, o.Storage.DataShards);
        Assert.Equal(6, o.Storage.ParityShards);
        Assert.Equal(20_000_000, o.Storage.MaxStorageBytes);
        Assert.False(o.Storage.StorageEnabled);
        Assert.False(o.Storage.GroupCommit);
        Assert.Equal(3, o.Storage.ToleratedNodeFailures);
        Assert.Equal(new ChunkPerformanceOptions
        {
            MaxConcurrentRetrievals = 16,
            MaxConcurrentUploads = 2,
            ChunkTimeoutSecs = 30,
            RetryFailedChunks = 0,
            PreferFastPeers = false,
            PeerResponseTimeoutSecs = 9,
        }, o.Performance.Chunks);
        Assert.True(o.Security.RequirePassphrase);
        Assert.Empty(o.Security.AllowedRecordNamespaces);
        Assert.Equal(new MaintenanceOptions { Enabled = false, CheckIntervalSecs = 60, FilesPerRun = 7 }, o.Maintenance);

        Assert.All(config.Entries, e => Assert.Equal(ConfigurationValueSource.File, e.Source));
        var chunkSize = config.Entries.Single(e => e.Key == "storage.chunk_size");
        Assert.Equal($"{path}:21", chunkSize.Origin);
        Assert.Equal("65536", chunkSize.DisplayValue);
    }

    [Fact]
    public void Dotted_keys_and_inline_tables_reach_the_same_keys()
    {
        using var sandbox = new ConfigurationSandbox();
        var path = sandbox.WriteConfig("""
            network.replication_factor = 2
            [performance]
            chunks = { retry_failed_chunks = 1, prefer_fast_peers = false }
            """);
        var o = ConfigurationLoader.Load(path, sandbox.Environment()).Options;
        Assert.Equal(2, o.Network.ReplicationFactor);
        Assert.Equal(1, o.Performance.Chunks.RetryFailedChunks);
        Assert.False(o.Performance.Chunks.PreferFastPeers);
    }

    [Fact]
    public void Unknown_key_names_key_file_and_line()
    {
        var error = ConfigurationAssert.Fails("[network]\nreplication_factor = 3\n\nreplication = 4\n", ConfigurationErrorKind.UnknownKey, "network.replication", 4);
        Assert.Contains("network.replication_factor", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Half_a_fixed_layout_is_an_error_naming_the_key_set_and_the_one_missing()
    {
        var data = ConfigurationAssert.Fails("[storage]\nchunk_size = 65536\ndata_shards = 8\n", ConfigurationErrorKind.InvalidValue, "storage.data_shards", 3);
        Assert.Contains("parity_shards is not set", data.Message, StringComparison.Ordinal);
        var parity = ConfigurationAssert.Fails("[storage]\nparity_shards = 4\n", ConfigurationErrorKind.InvalidValue, "storage.parity_shards", 2);
        Assert.Contains("data_shards is not set", parity.Message, StringComparison.Ordinal);
        ConfigurationAssert.Fails("[storage]\ntolerated_node_failures = 33\n", ConfigurationErrorKind.InvalidValue, "storage.tolerated_node_failures", 2);
    }

    [Fact]
    public void A_fixed_layout_stores_each_shard_replication_factor_times_and_the_policy_once()
    {
        using var sandbox = new ConfigurationSandbox();
        var fixedLayout = ConfigurationLoader.FromToml("[network]\nreplication_factor = 3\n[storage]\ndata_shards = 8\nparity_shards = 4\n",
            Path.Combine(sandbox.Root, "a.toml"), sandbox.Environment()).Options;
        Assert.Equal(new DataMesh.Core.Durability.ShardLayout(8, 4, 3), fixedLayout.FixedLayout());
        Assert.Equal(3, fixedLayout.ShardCopies());
        var policy = ConfigurationLoader.FromToml("[network]\nreplication_factor = 3\n", Path.Combine(sandbox.Root, "b.toml"), sandbox.Environment()).Options;
        Assert.Null(policy.FixedLayout());
        Assert.Equal(1, policy.ShardCopies());
    }

    [Fact]
    public void Unknown_key_in_performance_chunks_is_rejected() =>
        ConfigurationAssert.Fails("[performance.chunks]\nmax_concurrent_retrievals = 8\nmax_parallel = 2\n", ConfigurationErrorKind.UnknownKey, "performance.chunks.max_parallel", 3);

    [Fact]
    public void Unknown_section_is_rejected_at_its_header() =>
        ConfigurationAssert.Fails("[network]\nmax_connections = 10\n[metrics]\nenabled = true\n", ConfigurationErrorKind.UnknownKey, "metrics", 3);

    [Fact]
    public void Table_arrays_are_rejected() =>
        ConfigurationAssert.Fails("[[network]]\nmax_connections = 10\n", ConfigurationErrorKind.UnknownKey, "network", 1);

    [Theory]
    [InlineData("[storage]\nchunk_size = \"1MiB\"\n", "storage.chunk_size", 2, "expected an integer")]
    [InlineData("[storage]\nstorage_enabled = 1\n", "storage.storage_enabled", 2, "expected a boolean")]
    [InlineData("[network]\nbootstrap_nodes = \"/ip4/1.2.3.4/tcp/1\"\n", "network.bootstrap_nodes", 2, "expected an array")]
    [InlineData("[network]\nlisten_addresses = [1, 2]\n", "network.listen_addresses", 2, "not a string")]
    [InlineData("[network]\ndht_mode = \"peer\"\n", "network.dht_mode", 2, "\"server\", \"client\", \"auto\"")]
    [InlineData("[performance.chunks]\nprefer_fast_peers = \"yes\"\n", "performance.chunks.prefer_fast_peers", 2, "found a string")]
    public void Wrong_type_names_key_and_line(string toml, string key, int line, string expected)
    {
        var error = ConfigurationAssert.Fails(toml, ConfigurationErrorKind.InvalidValue, key, line);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[storage]\nchunk_size = 65535\n", "storage.chunk_size", 2)]
    [InlineData("[storage]\nchunk_size = 4194305\n", "storage.chunk_size", 2)]
    [InlineData("[network]\nreplication_factor = 0\n", "network.replication_factor", 2)]
    [InlineData("[performance.chunks]\nmax_concurrent_retrievals = 0\n", "performance.chunks.max_concurrent_retrievals", 2)]
    [InlineData("[performance.chunks]\n\nchunk_timeout_secs = -5\n", "performance.chunks.chunk_timeout_secs", 3)]
    [InlineData("[storage]\nmax_storage_bytes = 1024\n", "storage.max_storage_bytes", 2)]
    [InlineData("[maintenance]\ncheck_interval_secs = 59\n", "maintenance.check_interval_secs", 2)]
    [InlineData("[maintenance]\ncheck_interval_secs = 604801\n", "maintenance.check_interval_secs", 2)]
    [InlineData("[maintenance]\nfiles_per_run = 0\n", "maintenance.files_per_run", 2)]
    public void Out_of_range_names_key_and_line(string toml, string key, int line)
    {
        var error = ConfigurationAssert.Fails(toml, ConfigurationErrorKind.InvalidValue, key, line);
        Assert.Contains("out of range", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(65536)]
    [InlineData(4194304)]
    public void Chunk_size_bounds_are_inclusive(int size)
    {
        using var sandbox = new ConfigurationSandbox();
        var config = ConfigurationLoader.FromToml($"[storage]\nchunk_size = {size}\n", Path.Combine(sandbox.Root, "c.toml"), sandbox.Environment());
        Assert.Equal(size, config.Options.Storage.ChunkSize);
    }

    [Theory]
    [InlineData("listen_addresses = [\"ip4/1.2.3.4/tcp/1\"]", "must start with '/'")]
    [InlineData("listen_addresses = [\"/ip4/1.2.3/tcp/1\"]", "invalid IPv4")]
    [InlineData("listen_addresses = [\"/ip4/1.2.3.4/tcp/70000\"]", "invalid tcp port")]
    [InlineData("listen_addresses = [\"/ip4/1.2.3.4/tcp\"]", "needs a value")]
    [InlineData("listen_addresses = [\"/ipx/1.2.3.4\"]", "unknown protocol 'ipx'")]
    [InlineData("bootstrap_nodes = [\"/ip4/1.2.3.4/tcp/4001\"]", "no /p2p/<peer id>")]
    [InlineData("kad_protocol = \"datamesh kad\"", "must start with '/'")]
    [InlineData("kad_bucket_size = 1", "2..64")]
    [InlineData("kad_provider_republish_interval_secs = 200000", "60..144000")]
    public void Malformed_network_strings_are_rejected(string line, string expected)
    {
        var key = "network." + line[..line.IndexOf(' ', StringComparison.Ordinal)];
        var error = ConfigurationAssert.Fails("[network]\n" + line + "\n", ConfigurationErrorKind.InvalidValue, key, 2);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_namespace_without_a_validator_is_rejected()
    {
        var error = ConfigurationAssert.Fails("[security]\nallowed_record_namespaces = [\"dm\", \"test-ns\"]\n", ConfigurationErrorKind.InvalidValue,
            "security.allowed_record_namespaces", 2);
        Assert.Contains("\"dm\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Syntax_error_reports_its_line() =>
        ConfigurationAssert.Fails("[network]\nmax_connections = 10\nreplication_factor = = 3\n", ConfigurationErrorKind.Syntax, null, 3);

    [Fact]
    public void Duplicate_key_is_reported_at_the_second_occurrence() =>
        ConfigurationAssert.Fails("[network]\nmax_connections = 1\nmax_connections = 2\n", ConfigurationErrorKind.Syntax, null, 3);

    [Fact]
    public void Section_name_repeated_in_a_dotted_key_is_an_unknown_key() =>
        ConfigurationAssert.Fails("[network]\nnetwork.max_connections = 1\n", ConfigurationErrorKind.UnknownKey, "network.network.max_connections", 2);

    [Fact]
    public void Too_many_shards_is_reported_at_the_parity_key() =>
        ConfigurationAssert.Fails("[storage]\ndata_shards = 200\nparity_shards = 100\n", ConfigurationErrorKind.InvalidValue, "storage.parity_shards", 3);

    [Fact]
    public void Explicit_missing_file_is_an_error_but_missing_default_file_is_not()
    {
        using var sandbox = new ConfigurationSandbox();
        var missing = Path.Combine(sandbox.Root, "nope.toml");
        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(missing, sandbox.Environment()));
        Assert.Equal(ConfigurationErrorKind.FileNotFound, error.Kind);
        Assert.Equal(missing, error.Path);
        Assert.False(ConfigurationLoader.Load(null, sandbox.Environment()).ConfigFileExists);
    }

    [Fact]
    public void Oversized_file_is_refused_before_reading()
    {
        using var sandbox = new ConfigurationSandbox();
        var path = sandbox.WriteConfig("# " + new string('x', TomlSettings.MaxFileBytes) + "\n");
        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(path, sandbox.Environment()));
        Assert.Contains("bytes", error.Message, StringComparison.Ordinal);
    }
}
