using DataMesh.Core.Configuration;
using DataMesh.Core.Dht;
using DataMesh.Libp2p.Kad;

namespace DataMesh.Core.Tests.Configuration;

public sealed class KadOptionsMappingTests
{
    [Theory]
    [InlineData(DhtMode.Auto, true, KadMode.Server)]
    [InlineData(DhtMode.Auto, false, KadMode.Client)]
    [InlineData(DhtMode.Server, false, KadMode.Server)]
    [InlineData(DhtMode.Client, true, KadMode.Client)]
    public void Dht_mode_auto_follows_storage(DhtMode mode, bool storage, KadMode expected)
    {
        var options = new DataMeshOptions { Network = new NetworkOptions { DhtMode = mode } };
        Assert.Equal(expected, options.ToKadOptions("/data", storage).Mode);
    }

    [Fact]
    public void Every_kad_key_reaches_the_dht_and_the_stores_live_in_the_data_directory()
    {
        var options = new DataMeshOptions
        {
            Network = new NetworkOptions
            {
                KadProtocol = "/test/kad/1.0.0",
                KadBucketSize = 8,
                KadAlpha = 2,
                KadRequestTimeoutSecs = 4,
                KadMaintenanceIntervalSecs = 5,
                KadRefreshIntervalSecs = 120,
                KadRandomWalkIntervalSecs = 90,
                KadRecordRepublishIntervalSecs = 3600,
                KadProviderRepublishIntervalSecs = 7200,
            },
        };
        KadOptions kad = options.ToKadOptions("/data", storageEnabled: true);
        Assert.Equal("/test/kad/1.0.0", kad.ProtocolId);
        Assert.Equal((8, 2), (kad.BucketSize, kad.Alpha));
        Assert.Equal(TimeSpan.FromSeconds(4), kad.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), kad.MaintenanceInterval);
        Assert.Equal(TimeSpan.FromSeconds(120), kad.RefreshInterval);
        Assert.Equal(TimeSpan.FromSeconds(90), kad.RandomWalkInterval);
        Assert.Equal(TimeSpan.FromHours(1), kad.RecordRepublishInterval);
        Assert.Equal(TimeSpan.FromHours(2), kad.ProviderRepublishInterval);
        Assert.Equal(Path.Combine("/data", "dht"), kad.DataDirectory);
        Assert.Equal(["dm"], kad.Validators.Namespaces);
    }

    [Fact]
    public void No_allowed_namespace_means_no_validator()
    {
        var options = new DataMeshOptions { Security = new SecurityOptions { AllowedRecordNamespaces = [] } };
        Assert.Empty(options.ToKadOptions("/data", storageEnabled: true).Validators.Namespaces);
        Assert.Throws<ArgumentException>(() => DataMeshRecordValidator.Registry(["unknown"]));
    }

    [Theory]
    [InlineData("/dm/manifest/ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789")]
    [InlineData("/dm/manifest/abcdef")]
    [InlineData("/dm/12D3KooWGRUVh9WqpS9iTXjMyo1ExYRGa2WP6LLGwbj6KtxAFbnq/manifest")]
    public void Only_lower_case_full_hashes_are_manifest_keys(string key) =>
        Assert.False(ManifestRecordKey.TryParse(System.Text.Encoding.ASCII.GetBytes(key), out _));
}
