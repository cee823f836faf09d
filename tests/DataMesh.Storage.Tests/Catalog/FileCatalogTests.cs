using DataMesh.Storage.Catalog;
using DataMesh.Storage.Tests.TestSupport;

namespace DataMesh.Storage.Tests.Catalog;

public sealed class FileCatalogTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));
    private CancellationToken Ct => _timeout.Token;
    private string CatalogPath => _dir.Combine("data", "catalog.json");

    public void Dispose()
    {
        _timeout.Dispose();
        _dir.Dispose();
    }

    private static CatalogEntry Entry(string key, string name, int day, params string[] tags) => new()
    {
        FileKey = key,
        ManifestAddress = new string('a', 64),
        Name = name,
        Size = 1000 + day,
        Tags = tags,
        CreatedUtc = T0.AddDays(day),
        ChunkSize = 1 << 20,
        DataShards = 10,
        ParityShards = 4,
        StripeCount = 3,
        RecipientCount = 2,
    };

    [Fact]
    public async Task Entries_persist_across_reopen_with_every_field()
    {
        CatalogEntry entry = Entry("k1", "report.pdf", 1, "work", "2026");
        using (FileCatalog catalog = await FileCatalog.OpenAsync(CatalogPath, Ct))
        {
            Assert.True(await catalog.AddAsync(entry, Ct));
        }
        using FileCatalog reopened = await FileCatalog.OpenAsync(CatalogPath, Ct);
        CatalogEntry loaded = Assert.Single(reopened.Query());
        Assert.Equal(entry with { Tags = loaded.Tags }, loaded);
        Assert.Equal(["work", "2026"], loaded.Tags);
    }

    [Fact]
    public async Task Adding_an_existing_key_replaces_it_and_remove_deletes_it()
    {
        using FileCatalog catalog = await FileCatalog.OpenAsync(CatalogPath, Ct);
        Assert.True(await catalog.AddAsync(Entry("k", "old.txt", 1), Ct));
        Assert.False(await catalog.AddAsync(Entry("k", "new.txt", 1), Ct));
        Assert.Equal("new.txt", catalog.Find("k")!.Name);
        Assert.True(await catalog.RemoveAsync("k", Ct));
        Assert.False(await catalog.RemoveAsync("k", Ct));
        Assert.Equal(0, catalog.Count);
    }

    [Fact]
    public async Task Query_by_wildcard_tag_and_date_range()
    {
        using FileCatalog catalog = await FileCatalog.OpenAsync(CatalogPath, Ct);
        await catalog.AddAsync(Entry("1", "Holiday-2025.JPG", 1, "photos"), Ct);
        await catalog.AddAsync(Entry("2", "holiday-2026.jpg", 5, "Photos", "family"), Ct);
        await catalog.AddAsync(Entry("3", "taxes.pdf", 10, "work"), Ct);

        Assert.Equal(["1", "2"], Keys(catalog.Query(new CatalogQuery { NamePattern = "holiday-*.jpg" })));
        Assert.Equal(["2"], Keys(catalog.Query(new CatalogQuery { NamePattern = "*-202?.jpg", Tag = "FAMILY" })));
        Assert.Equal(["1", "2"], Keys(catalog.Query(new CatalogQuery { Tag = "photos" })));
        Assert.Equal(["2", "3"], Keys(catalog.Query(new CatalogQuery { CreatedFrom = T0.AddDays(5) })));
        Assert.Equal(["2"], Keys(catalog.Query(new CatalogQuery { CreatedFrom = T0.AddDays(2), CreatedBefore = T0.AddDays(10) })));
        Assert.Empty(catalog.Query(new CatalogQuery { NamePattern = "*.png" }));
        Assert.Equal(3, catalog.Query().Count);
    }

    [Theory]
    [InlineData("abc", "abc", true)]
    [InlineData("abc", "a*", true)]
    [InlineData("abc", "*c", true)]
    [InlineData("abc", "a?c", true)]
    [InlineData("abc", "*", true)]
    [InlineData("", "*", true)]
    [InlineData("abc", "ab", false)]
    [InlineData("abc", "?", false)]
    [InlineData("aaaaaaaaaaaaaaaaaaaab", "*a*a*a*a*a*a*c", false)]
    [InlineData("mississippi", "m*iss*ppi", true)]
    public void Wildcards_match_whole_names(string name, string pattern, bool expected) =>
        Assert.Equal(expected, Wildcard.IsMatch(name, pattern));

    [Fact]
    public async Task Concurrent_adds_from_threads_and_from_separate_instances_are_all_kept()
    {
        using FileCatalog first = await FileCatalog.OpenAsync(CatalogPath, Ct);
        using FileCatalog second = await FileCatalog.OpenAsync(CatalogPath, Ct); // stands in for another process

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Task.Run(() => (i % 2 == 0 ? first : second).AddAsync(Entry($"k{i}", $"file{i}", i), Ct), Ct)));

        Assert.Equal(40, (await first.QueryAsync(null, Ct)).Count);
        Assert.Equal(40, (await second.QueryAsync(null, Ct)).Count);
    }

    [Fact]
    public async Task Another_instance_sees_changes_after_refresh()
    {
        using FileCatalog writer = await FileCatalog.OpenAsync(CatalogPath, Ct);
        using FileCatalog reader = await FileCatalog.OpenAsync(CatalogPath, Ct);
        await writer.AddAsync(Entry("x", "x.bin", 1), Ct);

        Assert.Empty(reader.Query());
        Assert.Single(await reader.QueryAsync(null, Ct));
    }

    [Fact]
    public async Task Invalid_entries_are_refused()
    {
        using FileCatalog catalog = await FileCatalog.OpenAsync(CatalogPath, Ct);
        await Assert.ThrowsAsync<ArgumentException>(() => catalog.AddAsync(Entry("", "n", 1), Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => catalog.AddAsync(Entry("k", "", 1), Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => catalog.AddAsync(Entry("k", "n", 1) with { Size = -1 }, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => catalog.AddAsync(Entry("k", "n", 1, " "), Ct));
        Assert.False(File.Exists(CatalogPath));
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("""{"version":99,"entries":[]}""")]
    [InlineData("""{"version":1,"entries":[{"fileKey":"","manifestAddress":"a","name":"n","size":1,"createdUtc":"2026-01-01T00:00:00Z"}]}""")]
    public async Task A_damaged_catalog_file_is_reported_not_discarded(string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(CatalogPath)!);
        await File.WriteAllTextAsync(CatalogPath, content, Ct);
        await Assert.ThrowsAsync<StorageException>(() => FileCatalog.OpenAsync(CatalogPath, Ct));
        Assert.Equal(content, await File.ReadAllTextAsync(CatalogPath, Ct));
    }

    private static string[] Keys(IEnumerable<CatalogEntry> entries) => [.. entries.Select(e => e.FileKey)];
}
