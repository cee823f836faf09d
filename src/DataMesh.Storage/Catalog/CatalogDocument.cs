using System.Text.Json.Serialization;

namespace DataMesh.Storage.Catalog;

/// <summary>The catalog file's JSON shape. <see cref="Version"/> lets a later format be recognised.</summary>
internal sealed class CatalogDocument
{
    public const int CurrentVersion = 1;

    public int Version { get; set; } = CurrentVersion;

    public List<CatalogEntry> Entries { get; set; } = [];
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CatalogDocument))]
internal sealed partial class CatalogJsonContext : JsonSerializerContext;
