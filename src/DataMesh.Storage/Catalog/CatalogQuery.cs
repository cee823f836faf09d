namespace DataMesh.Storage.Catalog;

/// <summary>Filters for <see cref="FileCatalog.Query"/>; every filter left null matches everything, and the set
/// ones must all match.</summary>
public sealed record CatalogQuery
{
    /// <summary>Name pattern with <c>*</c> (any run of characters) and <c>?</c> (one character), case-insensitive,
    /// matched against the whole name.</summary>
    public string? NamePattern { get; init; }

    /// <summary>An entry matches when it carries this tag (case-insensitive).</summary>
    public string? Tag { get; init; }

    /// <summary>Inclusive lower bound on <see cref="CatalogEntry.CreatedUtc"/>.</summary>
    public DateTimeOffset? CreatedFrom { get; init; }

    /// <summary>Exclusive upper bound on <see cref="CatalogEntry.CreatedUtc"/>.</summary>
    public DateTimeOffset? CreatedBefore { get; init; }

    /// <summary>Everything.</summary>
    public static CatalogQuery All { get; } = new();

    internal bool Matches(CatalogEntry entry) =>
        (NamePattern is null || Wildcard.IsMatch(entry.Name, NamePattern))
        && (Tag is null || entry.Tags.Contains(Tag, StringComparer.OrdinalIgnoreCase))
        && (CreatedFrom is null || entry.CreatedUtc >= CreatedFrom.Value)
        && (CreatedBefore is null || entry.CreatedUtc < CreatedBefore.Value);
}
