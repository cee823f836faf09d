namespace DataMesh.Core.Configuration;

/// <summary>The DHT record namespaces DataMesh has validators for (<c>security.allowed_record_namespaces</c> may only
/// name these).</summary>
internal static class DhtRecordNamespaces
{
    /// <summary>"dm": records signed by the publishing node (<c>/dm/&lt;peer id&gt;/&lt;name&gt;</c>) and file manifests
    /// addressed by their hash (<c>/dm/manifest/&lt;hash&gt;</c>, valid only when the value hashes to the key and
    /// carries its owner's signature). docs/kademlia.md describes both.</summary>
    public const string DataMesh = "dm";

    public static IReadOnlyList<string> Known { get; } = [DataMesh];
}
