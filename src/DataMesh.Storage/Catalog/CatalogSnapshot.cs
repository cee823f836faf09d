using System.Text.Json;
using DataMesh.Storage.Io;

namespace DataMesh.Storage.Catalog;

/// <summary>An immutable view of the catalog file as of one read, with the file's stamp so changes can be detected.</summary>
internal sealed class CatalogSnapshot
{
    private CatalogSnapshot(IReadOnlyDictionary<string, CatalogEntry> entries, FileStamp stamp)
    {
        Entries = entries;
        Stamp = stamp;
    }

    public IReadOnlyDictionary<string, CatalogEntry> Entries { get; }

    public FileStamp Stamp { get; }

    public static async Task<CatalogSnapshot> LoadAsync(string path, CancellationToken cancellationToken)
    {
        FileStamp stamp = FileStamp.Of(path);
        if (!stamp.Exists)
        {
            return new CatalogSnapshot(new Dictionary<string, CatalogEntry>(StringComparer.Ordinal), stamp);
        }
        if (stamp.Length > FileCatalog.MaxFileBytes)
        {
            throw new StorageException($"Catalog {path} is {stamp.Length} bytes, more than the {FileCatalog.MaxFileBytes}-byte limit.");
        }
        byte[] bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        CatalogDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(bytes, CatalogJsonContext.Default.CatalogDocument);
        }
        catch (JsonException ex)
        {
            throw new StorageException($"Catalog {path} is not valid JSON: {ex.Message}", ex);
        }
        if (document is null || document.Version != CatalogDocument.CurrentVersion)
        {
            throw new StorageException($"Catalog {path} has unsupported format version {document?.Version}.");
        }
        if (document.Entries.Count > FileCatalog.MaxEntries)
        {
            throw new StorageException($"Catalog {path} holds {document.Entries.Count} entries, more than {FileCatalog.MaxEntries}.");
        }
        Dictionary<string, CatalogEntry> entries = new(StringComparer.Ordinal);
        foreach (CatalogEntry entry in document.Entries)
        {
            string? problem = Validate(entry);
            if (problem is not null)
            {
                throw new StorageException($"Catalog {path} holds an invalid entry: {problem}.");
            }
            entries[entry.FileKey] = entry;
        }
        return new CatalogSnapshot(entries, stamp);
    }

    public async Task<CatalogSnapshot> ReloadIfChangedAsync(string path, CancellationToken cancellationToken) =>
        FileStamp.Of(path) == Stamp ? this : await LoadAsync(path, cancellationToken).ConfigureAwait(false);

    public static async Task<CatalogSnapshot> SaveAsync(string path, Dictionary<string, CatalogEntry> entries, CancellationToken cancellationToken)
    {
        CatalogDocument document = new() { Entries = [.. entries.Values.OrderBy(e => e.CreatedUtc).ThenBy(e => e.FileKey, StringComparer.Ordinal)] };
        byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(document, CatalogJsonContext.Default.CatalogDocument);
        if (bytes.Length > FileCatalog.MaxFileBytes)
        {
            throw new StorageException($"The catalog would grow to {bytes.Length} bytes, more than the {FileCatalog.MaxFileBytes}-byte limit.");
        }
        await AtomicFile.WriteAsync(path, bytes, cancellationToken).ConfigureAwait(false);
        return new CatalogSnapshot(entries, FileStamp.Of(path));
    }

    /// <summary>Why an entry is unacceptable, or null when it is fine.</summary>
    public static string? Validate(CatalogEntry entry) => entry switch
    {
        { FileKey: null or "" } => "the file key is empty",
        { FileKey.Length: > 1024 } => "the file key is longer than 1024 characters",
        { ManifestAddress: null or "" } => "the manifest address is empty",
        { Name: null or "" } => "the name is empty",
        { Name.Length: > 4096 } => "the name is longer than 4096 characters",
        { Size: < 0 } => "the size is negative",
        { Tags: null } => "the tag list is missing",
        { Tags.Count: > 256 } => "more than 256 tags",
        _ when entry.Tags.Any(t => string.IsNullOrWhiteSpace(t) || t.Length > 256) => "a tag is empty or longer than 256 characters",
        { ChunkSize: < 0 } or { DataShards: < 0 } or { ParityShards: < 0 } or { StripeCount: < 0 } or { RecipientCount: < 0 } => "a count is negative",
        _ => null,
    };
}
