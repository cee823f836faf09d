namespace DataMesh.Core.Configuration;

/// <summary>How the node takes part in the Kademlia DHT.</summary>
public enum DhtMode
{
    /// <summary>Answer DHT queries from others and store records for them.</summary>
    Server,
    /// <summary>Only query the DHT; never advertise the DHT protocol.</summary>
    Client,
    /// <summary>Act as a server when publicly reachable, otherwise as a client.</summary>
    Auto,
}
