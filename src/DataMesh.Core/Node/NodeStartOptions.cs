using DataMesh.Libp2p.Transports;

namespace DataMesh.Core.Node;

/// <summary>How to start a node beyond what config.toml says: the things a host process decides.</summary>
public sealed record NodeStartOptions
{
    /// <summary>Serve and store shards for others. False makes a client-mode node that only sends and receives.</summary>
    public bool StorageEnabled { get; init; } = true;

    /// <summary>Run over this in-memory network instead of TCP (tests and simulations).</summary>
    public InMemoryNetwork? InMemoryNetwork { get; init; }

    /// <summary>Passphrase for the user keystore, when it is protected.</summary>
    public string? Passphrase { get; init; }

    /// <summary>Run as a service: check and repair the catalog's files on the <c>[maintenance]</c> schedule (when
    /// maintenance.enabled). Only the host of a long-running node sets it (Start-DataMeshNode -Wait); a node started
    /// for a session never heals on its own.</summary>
    public bool ScheduledMaintenance { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
