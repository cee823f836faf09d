namespace DataMesh.Core.Configuration;

/// <summary>How the node takes part in the Kademlia DHT.</summary>
public enum DhtMode
{
    /// <summary>Answer DHT queries from others and store records for them.</summary>
    Server,
    /// <summary>Only query the DHT; never advertise the DHT protocol.</summary>
    Client,
    /// <summary>A server when the node stores shards for others (storage nodes must be findable by XOR distance),
    /// a client otherwise (a client-mode session comes and goes and would only leave stale routing entries).</summary>
    Auto,
}
