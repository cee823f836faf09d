namespace DataMesh.PowerShell.Output;

/// <summary>One ping round trip (Test-DataMeshPeer).</summary>
public sealed class DataMeshPingResult
{
    public required string PeerId { get; init; }

    public required string Address { get; init; }

    public required TimeSpan Rtt { get; init; }
}

/// <summary>A connected peer, or with -RoutingTable a peer of the DHT routing table (Get-DataMeshPeer).</summary>
public sealed class DataMeshPeerInfo
{
    public required string PeerId { get; init; }

    /// <summary>Whether the node has an open connection to the peer.</summary>
    public required bool Connected { get; init; }

    /// <summary>Whether the peer is in the DHT routing table (it answers DHT queries).</summary>
    public required bool InRoutingTable { get; init; }

    /// <summary>The routing table's k-bucket (common prefix length with this node's key); null when not in the table.</summary>
    public required int? Bucket { get; init; }

    /// <summary>The address of this connection's other end; null when not connected.</summary>
    public required string? RemoteAddress { get; init; }

    /// <summary>The addresses the peer says it listens on (Identify).</summary>
    public required string[] Addresses { get; init; }

    public required string? AgentVersion { get; init; }

    public required string[] Protocols { get; init; }

    /// <summary>Inbound or Outbound; null when not connected.</summary>
    public required string? Direction { get; init; }

    /// <summary>When the connection opened; null when not connected.</summary>
    public required DateTimeOffset? ConnectedSince { get; init; }
}

/// <summary>A peer found through the DHT (Find-DataMeshPeer).</summary>
public sealed class DataMeshDhtPeer
{
    public required string PeerId { get; init; }

    /// <summary>Its listen addresses, without the /p2p part.</summary>
    public required string[] Addresses { get; init; }

    /// <summary>Its addresses with /p2p/&lt;peer id&gt;, ready for Test-DataMeshPeer or -Bootstrap.</summary>
    public required string[] DialAddresses { get; init; }

    public required bool Connected { get; init; }

    public required bool InRoutingTable { get; init; }
}

/// <summary>What this node has measured of one peer (Get-DataMeshPeerStats). Every property sorts naturally.</summary>
public sealed class DataMeshPeerStats
{
    public required string PeerId { get; init; }

    /// <summary>Moving average of successful request latency.</summary>
    public required TimeSpan Latency { get; init; }

    public required TimeSpan LatencyP50 { get; init; }

    public required TimeSpan LatencyP90 { get; init; }

    public required TimeSpan LatencyP99 { get; init; }

    /// <summary>Successes over completed requests, 0 to 1.</summary>
    public required double SuccessRate { get; init; }

    public required long Requests { get; init; }

    public required long Successes { get; init; }

    public required long Failures { get; init; }

    public required long Timeouts { get; init; }

    public required long CorruptResponses { get; init; }

    public required long BytesReceived { get; init; }

    public required long BytesSent { get; init; }

    /// <summary>Moving average in MB/s (10^6 bytes per second), the unit of the transfer results' ThroughputMBps.</summary>
    public required double ThroughputMBps { get; init; }

    public required DateTimeOffset LastSeen { get; init; }

    public required bool IsResponsive { get; init; }

    public required DateTimeOffset? BannedUntil { get; init; }
}
