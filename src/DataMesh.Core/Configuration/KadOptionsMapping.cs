using DataMesh.Core.Dht;
using DataMesh.Libp2p.Kad;

namespace DataMesh.Core.Configuration;

/// <summary>Turns the <c>[network]</c> kad_* keys, dht_mode and the allowed record namespaces into the DHT's settings.</summary>
internal static class KadOptionsMapping
{
    /// <summary>The folder under the data directory that holds the DHT's record and provider stores, so records this
    /// node published or keeps for others, and the shards it announced, survive a restart.</summary>
    public const string DataFolder = "dht";

    /// <param name="dataDirectory">The node's data directory (the stores go to its "dht" folder).</param>
    /// <param name="storageEnabled">Whether the node stores shards: with dht_mode "auto" that makes it a DHT server.</param>
    public static KadOptions ToKadOptions(this DataMeshOptions options, string dataDirectory, bool storageEnabled)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        NetworkOptions network = options.Network;
        return new KadOptions
        {
            ProtocolId = network.KadProtocol,
            Mode = IsServer(network.DhtMode, storageEnabled) ? KadMode.Server : KadMode.Client,
            BucketSize = network.KadBucketSize,
            Alpha = network.KadAlpha,
            RequestTimeout = TimeSpan.FromSeconds(network.KadRequestTimeoutSecs),
            MaintenanceInterval = TimeSpan.FromSeconds(network.KadMaintenanceIntervalSecs),
            RefreshInterval = TimeSpan.FromSeconds(network.KadRefreshIntervalSecs),
            RandomWalkInterval = TimeSpan.FromSeconds(network.KadRandomWalkIntervalSecs),
            RecordRepublishInterval = TimeSpan.FromSeconds(network.KadRecordRepublishIntervalSecs),
            ProviderRepublishInterval = TimeSpan.FromSeconds(network.KadProviderRepublishIntervalSecs),
            DataDirectory = Path.Combine(dataDirectory, DataFolder),
            Validators = DataMeshRecordValidator.Registry(options.Security.AllowedRecordNamespaces),
            // Shards were announced under their bare hash before they were under their CID: keys of that form,
            // persisted or asked for by older nodes, are read as the CID.
            ProviderStore = new ProviderStoreOptions { UpgradeKey = ShardProviderKey.Upgrade },
        };
    }

    public static bool IsServer(DhtMode mode, bool storageEnabled) => mode switch
    {
        DhtMode.Server => true,
        DhtMode.Client => false,
        _ => storageEnabled,
    };
}
