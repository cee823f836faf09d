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
}

/// <summary>Per-transfer choices for <see cref="DataMeshNode.ReceiveFileAsync"/>.</summary>
public sealed record ReceiveFileOptions
{
    /// <summary>Shard fetches in flight; overrides max_concurrent_retrievals.</summary>
    public int? MaxConcurrency { get; init; }

    /// <summary>Replace an existing destination file.</summary>
    public bool Overwrite { get; init; }
}
