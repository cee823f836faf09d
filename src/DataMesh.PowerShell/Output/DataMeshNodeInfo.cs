using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Output;

/// <summary>A running (or just stopped) node as Start-DataMeshNode and Get-DataMeshNode show it.</summary>
public sealed class DataMeshNodeInfo
{
    public required int SessionId { get; init; }

    public required string PeerId { get; init; }

    /// <summary>Bound addresses with their real ports.</summary>
    public required string[] ListenAddresses { get; init; }

    /// <summary>The listen addresses with /p2p/&lt;PeerId&gt;: what other nodes pass to -Bootstrap.</summary>
    public required string[] DialAddresses { get; init; }

    public required string DataPath { get; init; }

    public required bool StorageEnabled { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Whether cmdlets use this node when -Session is not given.</summary>
    public required bool IsDefault { get; init; }

    public required int ConnectedPeers { get; init; }

    public required DataMeshSession Session { get; init; }

    internal static DataMeshNodeInfo From(DataMeshSession session) => new()
    {
        SessionId = session.Id,
        PeerId = session.PeerId,
        ListenAddresses = [.. session.Node.ListenAddressTexts],
        DialAddresses = [.. session.Node.DialAddressTexts],
        DataPath = session.DataPath,
        StorageEnabled = session.StorageEnabled,
        StartedAt = session.StartedAt,
        IsDefault = ReferenceEquals(SessionRegistry.Default, session),
        ConnectedPeers = session.IsRunning ? session.Node.GetConnectedPeers().Count : 0,
        Session = session,
    };
}
