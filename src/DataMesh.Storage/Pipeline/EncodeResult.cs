namespace DataMesh.Storage.Pipeline;

/// <summary>Outcome of an encode: the signed manifest, its address, and its encoded bytes (what gets published).</summary>
public sealed record EncodeResult(Manifests.Manifest Manifest, Manifests.ManifestAddress Address, ReadOnlyMemory<byte> EncodedManifest);
