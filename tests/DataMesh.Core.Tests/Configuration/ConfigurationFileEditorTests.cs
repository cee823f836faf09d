using DataMesh.Core.Configuration;

namespace DataMesh.Core.Tests.Configuration;

public sealed class ConfigurationFileEditorTests
{
    private const string Original = """
        # My node
        [network]
        replication_factor = 3   # three copies
        max_connections = 100

        # tuned for a slow disk
        [performance.chunks]
        max_concurrent_uploads = 2 # keep low

        [storage]
        chunk_size = 65536
        """;

    [Fact]
    public void Changing_a_key_keeps_comments_spacing_and_other_keys()
    {
        using var sandbox = new ConfigurationSandbox();
        var path = sandbox.WriteConfig(Original);
        var edit = ConfigurationFileEditor.Prepare(path, "performance.chunks.max_concurrent_uploads", "6", sandbox.Environment());
        ConfigurationFileEditor.Apply(edit);

        Assert.Equal(Original.Replace("max_concurrent_uploads = 2 # keep low", "max_concurrent_uploads = 6 # keep low", StringComparison.Ordinal), File.ReadAllText(path));
        Assert.Equal(6, ConfigurationLoader.Load(path, sandbox.Environment()).Options.Performance.Chunks.MaxConcurrentUploads);
    }

    [Fact]
    public void A_new_key_joins_its_existing_table_before_the_blank_line()
    {
        using var sandbox = new ConfigurationSandbox();
        var edit = ConfigurationFileEditor.PrepareText(Original, Path.Combine(sandbox.Root, "c.toml"), "network.dht_mode", DhtMode.Server, sandbox.Environment());
        Assert.Equal(Original.Replace("max_connections = 100\n", "max_connections = 100\ndht_mode = \"server\"\n", StringComparison.Ordinal), edit.NewText);
        Assert.Equal(DhtMode.Server, edit.Result.Options.Network.DhtMode);
    }

    [Fact]
    public void A_key_of_a_missing_section_appends_the_section()
    {
        using var sandbox = new ConfigurationSandbox();
        var edit = ConfigurationFileEditor.PrepareText(Original, Path.Combine(sandbox.Root, "c.toml"), "security.allowed_record_namespaces", new[] { "dm" }, sandbox.Environment());
        Assert.Equal(Original + "\n\n[security]\nallowed_record_namespaces = [\"dm\"]\n", edit.NewText);
    }

    [Fact]
    public void Setting_in_a_missing_file_creates_it()
    {
        using var sandbox = new ConfigurationSandbox();
        var path = Path.Combine(sandbox.Root, "sub", "config.toml");
        var edit = ConfigurationFileEditor.Prepare(path, "storage.storage_enabled", false, sandbox.Environment());
        Assert.False(edit.FileExisted);
        ConfigurationFileEditor.Apply(edit);
        Assert.False(ConfigurationLoader.Load(path, sandbox.Environment()).Options.Storage.StorageEnabled);
        Assert.StartsWith("# DataMesh configuration", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_values_and_unknown_keys_leave_the_file_untouched()
    {
        using var sandbox = new ConfigurationSandbox();
        var path = sandbox.WriteConfig(Original);
        var range = Assert.Throws<ConfigurationException>(() => ConfigurationFileEditor.Prepare(path, "storage.chunk_size", 1024, sandbox.Environment()));
        Assert.Equal("storage.chunk_size", range.Key);
        Assert.Equal(ConfigurationErrorKind.InvalidValue, range.Kind);
        var unknown = Assert.Throws<ConfigurationException>(() => ConfigurationFileEditor.Prepare(path, "storage.size", 1, sandbox.Environment()));
        Assert.Equal(ConfigurationErrorKind.UnknownKey, unknown.Kind);
        var cross = Assert.Throws<ConfigurationException>(() => ConfigurationFileEditor.Prepare(path, "storage.parity_shards", 250, sandbox.Environment()));
        Assert.Equal(path, cross.Path);
        Assert.Equal(Original, File.ReadAllText(path));
    }

    [Fact]
    public void A_broken_value_elsewhere_blocks_the_edit_but_fixing_that_value_works()
    {
        using var sandbox = new ConfigurationSandbox();
        var path = sandbox.WriteConfig("[storage]\nchunk_size = 1\ndata_shards = 4\nparity_shards = 2\n");
        var blocked = Assert.Throws<ConfigurationException>(() => ConfigurationFileEditor.Prepare(path, "storage.data_shards", 5, sandbox.Environment()));
        Assert.Equal(2, blocked.Line);
        var fix = ConfigurationFileEditor.Prepare(path, "storage.chunk_size", 131072, sandbox.Environment());
        Assert.Equal("[storage]\nchunk_size = 131072\ndata_shards = 4\nparity_shards = 2\n", fix.NewText);
    }
}
