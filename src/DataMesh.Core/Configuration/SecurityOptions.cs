namespace DataMesh.Core.Configuration;

/// <summary>The <c>[security]</c> section.</summary>
public sealed record SecurityOptions
{
    /// <summary>Refuse to create or open the node identity and file keys without a passphrase.</summary>
    public bool RequirePassphrase { get; init; }

    /// <summary>DHT record namespaces (the first segment of a record key, <c>/&lt;ns&gt;/…</c>) this node accepts, stores
    /// for others and publishes in. Each must be one of <see cref="DhtRecordNamespaces.Known"/>; an empty list keeps
    /// the DHT for routing and provider records only.</summary>
    public IReadOnlyList<string> AllowedRecordNamespaces { get; init; } = [DhtRecordNamespaces.DataMesh];
}
