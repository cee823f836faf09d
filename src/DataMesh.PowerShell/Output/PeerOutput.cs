namespace DataMesh.PowerShell.Output;

/// <summary>One ping round trip (Test-DataMeshPeer).</summary>
public sealed class DataMeshPingResult
{
    public required string PeerId { get; init; }

    public required string Address { get; init; }

    public required TimeSpan Rtt { get; init; }
}

/// <summary>A connected peer (Get-DataMeshPeer).</summary>
public sealed class DataMeshPeerInfo
{
    public required string PeerId { get; init; }

    /// <summary>The address of this connection's other end.</summary>
    public required string RemoteAddress { get; init; }

    /// <summary>The addresses the peer says it listens on (Identify).</summary>
    public required string[] Addresses { get; init; }

    public required string? AgentVersion { get; init; }

    public required string[] Protocols { get; init; }

    /// <summary>Inbound or Outbound.</summary>
    public required string Direction { get; init; }

    public required DateTimeOffset ConnectedSince { get; init; }
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

    /// <summary>Moving average in bytes per second.</summary>
    public required double Throughput { get; init; }

    public required DateTimeOffset LastSeen { get; init; }

    public required bool IsResponsive { get; init; }

    public required DateTimeOffset? BannedUntil { get; init; }
}
