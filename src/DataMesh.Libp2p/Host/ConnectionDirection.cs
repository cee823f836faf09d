namespace DataMesh.Libp2p.Host;

/// <summary>Who opened a connection.</summary>
public enum ConnectionDirection
{
    Inbound,
    Outbound,
}
