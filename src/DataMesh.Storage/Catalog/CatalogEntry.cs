namespace DataMesh.Storage.Catalog;

/// <summary>One file this user stored, as remembered locally. Entries are keyed by <see cref="FileKey"/>.</summary>
public sealed record CatalogEntry
{
    /// <summary>The text form of the file's key: what the user passes to fetch, share or remove the file. Unique.</summary>
    public required string FileKey { get; init; }

    /// <summary>Address (hex BLAKE3-256) of the signed manifest.</summary>
    public required string ManifestAddress { get; init; }

    /// <summary>The file's name as given at upload (not a path on this machine).</summary>
    public required string Name { get; init; }

    /// <summary>Plaintext size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>User-chosen labels, compared case-insensitively.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>When the file was stored.</summary>
    public required DateTimeOffset CreatedUtc { get; init; }

    /// <summary>Plaintext bytes per chunk.</summary>
    public int ChunkSize { get; init; }

    /// <summary>Data shards per stripe (k).</summary>
    public int DataShards { get; init; }

    /// <summary>Parity shards per stripe (m).</summary>
    public int ParityShards { get; init; }

    /// <summary>Number of erasure-coded stripes.</summary>
    public long StripeCount { get; init; }

    /// <summary>How many identities (including the owner) can decrypt the file.</summary>
    public int RecipientCount { get; init; }
}
