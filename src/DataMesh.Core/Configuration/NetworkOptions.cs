namespace DataMesh.Core.Configuration;

/// <summary>The <c>[network]</c> section: how the node listens, whom it contacts first and how the DHT behaves.</summary>
public sealed record NetworkOptions
{
    /// <summary>Multiaddrs to listen on.</summary>
    public IReadOnlyList<string> ListenAddresses { get; init; } = ["/ip4/0.0.0.0/tcp/4001"];

    /// <summary>Multiaddrs (each ending in <c>/p2p/&lt;peer id&gt;</c>) dialled at start-up to join the network.</summary>
    public IReadOnlyList<string> BootstrapNodes { get; init; } = [];

    /// <summary>How many peers keep each provider record and each shard copy.</summary>
    public int ReplicationFactor { get; init; } = 3;

    /// <summary>The Kademlia protocol id; nodes only talk DHT with peers that use the same id.</summary>
    public string KadProtocol { get; init; } = "/datamesh/kad/1.0.0";

    /// <summary>Upper bound on simultaneous connections (inbound and outbound).</summary>
    public int MaxConnections { get; init; } = 256;

    /// <summary>Time allowed to dial and upgrade one connection.</summary>
    public int ConnectTimeoutSecs { get; init; } = 10;

    public DhtMode DhtMode { get; init; } = DhtMode.Auto;
}
