using DataMesh.Storage.Keys;

namespace DataMesh.Core.Node;

/// <summary>Per-transfer choices for <see cref="DataMeshNode.SendFileAsync"/>; unset values come from the node's configuration.</summary>
internal sealed record SendFileOptions
{
    /// <summary>Name recorded (encrypted) in the manifest; defaults to the file's name.</summary>
    public string? Name { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Identities besides this user's own who can decrypt the file.</summary>
    public IReadOnlyList<PublicIdentity> Recipients { get; init; } = [];

    /// <summary>Shard uploads in flight; overrides max_concurrent_uploads.</summary>
    public int? MaxConcurrency { get; init; }

    /// <summary>Storage nodes that may be lost at once while the file stays readable (0..32); overrides
    /// <c>[storage] tolerated_node_failures</c>. Ignored by a fixed layout (data_shards/parity_shards).</summary>
    public int? ToleratedFailures { get; init; }

    /// <summary>Send even when fewer than 2 storage peers are reachable (the file then survives no node loss).</summary>
    public bool Force { get; init; }
}

/// <summary>Per-transfer choices for <see cref="DataMeshNode.ReceiveFileAsync"/>.</summary>
public sealed record ReceiveFileOptions
{
    /// <summary>Shard fetches in flight; overrides max_concurrent_retrievals.</summary>
    public int? MaxConcurrency { get; init; }

    /// <summary>Replace an existing destination file.</summary>
    public bool Overwrite { get; init; }
}
