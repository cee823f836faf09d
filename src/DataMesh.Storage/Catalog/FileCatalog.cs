namespace DataMesh.Storage.Catalog;

/// <summary>The local catalog of files this user stored: a JSON file in the data directory.
/// <para>Threads: queries read an immutable snapshot without locking; changes are serialised in-process by a
/// semaphore. Processes: a change holds <c>&lt;file&gt;.lock</c> exclusively, re-reads the file if another process
/// changed it, applies the change and replaces the file atomically (temp, fsync, rename), so concurrent writers from
/// several processes never lose each other's entries and readers never see half a file. <see cref="QueryAsync"/>
/// and <see cref="RefreshAsync"/> pick up changes made by other processes.</para></summary>
public sealed class FileCatalog : IDisposable
{
    /// <summary>Largest catalog file read, checked before reading it.</summary>
    public const long MaxFileBytes = 256L * 1024 * 1024;

    /// <summary>Most entries a catalog may hold.</summary>
    public const int MaxEntries = 1_000_000;

    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LockRetryDelay = TimeSpan.FromMilliseconds(20);

    private readonly string _lockPath;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile CatalogSnapshot _snapshot;

    private FileCatalog(string path, CatalogSnapshot snapshot)
    {
        FilePath = path;
        _lockPath = path + ".lock";
        _snapshot = snapshot;
    }

    /// <summary>Full path of the catalog file.</summary>
    public string FilePath { get; }

    /// <summary>Number of entries in the current snapshot.</summary>
    public int Count => _snapshot.Entries.Count;

    /// <summary>Opens the catalog at <paramref name="path"/> (a file; created on the first change).</summary>
    /// <exception cref="StorageException">The file exists but is not a valid catalog.</exception>
    public static async Task<FileCatalog> OpenAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        CatalogSnapshot snapshot = await CatalogSnapshot.LoadAsync(full, cancellationToken).ConfigureAwait(false);
        return new FileCatalog(full, snapshot);
    }

    /// <summary>The entry with this key in the current snapshot, or null.</summary>
    public CatalogEntry? Find(string fileKey) => _snapshot.Entries.GetValueOrDefault(fileKey);

    /// <summary>Entries of the current snapshot matching <paramref name="query"/>, oldest first.</summary>
    public IReadOnlyList<CatalogEntry> Query(CatalogQuery? query = null)
    {
        query ??= CatalogQuery.All;
        return [.. _snapshot.Entries.Values.Where(query.Matches).OrderBy(e => e.CreatedUtc).ThenBy(e => e.Name, StringComparer.Ordinal)];
    }

    /// <summary>Like <see cref="Query"/>, after picking up changes other processes made to the file.</summary>
    public async Task<IReadOnlyList<CatalogEntry>> QueryAsync(CatalogQuery? query, CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        return Query(query);
    }

    /// <summary>Re-reads the file if it changed since this instance last saw it.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        CatalogSnapshot current = _snapshot;
        CatalogSnapshot fresh = await current.ReloadIfChangedAsync(FilePath, cancellationToken).ConfigureAwait(false);
        if (!ReferenceEquals(fresh, current))
        {
            Interlocked.CompareExchange(ref _snapshot, fresh, current);
        }
    }

    /// <summary>Adds an entry, or replaces the one with the same <see cref="CatalogEntry.FileKey"/>. Returns true when
    /// it was new. Durable when the call returns.</summary>
    /// <exception cref="ArgumentException">The entry is invalid (empty key or name, negative size, bad tags).</exception>
    public Task<bool> AddAsync(CatalogEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string? problem = CatalogSnapshot.Validate(entry);
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid catalog entry: {problem}.", nameof(entry));
        }
        return MutateAsync(entries =>
        {
            bool added = !entries.ContainsKey(entry.FileKey);
            if (added && entries.Count >= MaxEntries)
            {
                throw new StorageException($"The catalog is full ({MaxEntries} entries).");
            }
            entries[entry.FileKey] = entry;
            return (added, true);
        }, cancellationToken);
    }

    /// <summary>Removes the entry with this key. Returns false when there was none.</summary>
    public Task<bool> RemoveAsync(string fileKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fileKey);
        return MutateAsync(entries =>
        {
            bool removed = entries.Remove(fileKey);
            return (removed, removed);
        }, cancellationToken);
    }

    public void Dispose() => _gate.Dispose();

    private async Task<bool> MutateAsync(Func<Dictionary<string, CatalogEntry>, (bool Result, bool Changed)> change, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            FileStream processLock = await AcquireProcessLockAsync(cancellationToken).ConfigureAwait(false);
            await using (processLock.ConfigureAwait(false))
            {
                CatalogSnapshot current = await _snapshot.ReloadIfChangedAsync(FilePath, cancellationToken).ConfigureAwait(false);
                Dictionary<string, CatalogEntry> entries = new(current.Entries, StringComparer.Ordinal);
                (bool result, bool changed) = change(entries);
                _snapshot = changed ? await CatalogSnapshot.SaveAsync(FilePath, entries, cancellationToken).ConfigureAwait(false) : current;
                return result;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<FileStream> AcquireProcessLockAsync(CancellationToken cancellationToken)
    {
        DateTime deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(_lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // Held by another process (or another catalog instance): wait and retry.
                await Task.Delay(LockRetryDelay, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw new StorageException($"The catalog {FilePath} stayed locked by another process for {LockTimeout.TotalSeconds:0} s.", ex);
            }
        }
    }
}
