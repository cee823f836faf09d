using System.Runtime.CompilerServices;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Io;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataMesh.Storage.ChunkStore;

/// <summary>The on-disk, content-addressed shard store. Every shard is a file named by its BLAKE3-256 hash
/// (see <see cref="StoreLayout"/>), written atomically (temp file, fsync, rename) and verified on every read.
/// <para>Concurrency: any number of readers and writers may run in parallel. Shard bodies are written outside any
/// lock; only the final "already there? rename : discard" step and deletions take a per-address stripe lock, so two
/// writers of one shard store it once and count it once. Readers take no lock: a rename is atomic, so a reader sees
/// either no shard or a whole one, and files are opened with <see cref="FileShare.Delete"/> so a delete during a read
/// lets the read finish.</para>
/// <para>One process at a time: the store holds root/LOCK exclusively while open.</para></summary>
public sealed partial class ChunkStore : IDisposable
{
    private const int StripeCount = 64;

    private readonly StoreLayout _layout;
    private readonly ChunkStoreOptions _options;
    private readonly ILogger _logger;
    private readonly FileStream _lockFile;
    private readonly PinSet _pins;
    private readonly Lock[] _stripes;

    /// <summary>Shared durability barriers (<see cref="ChunkStoreOptions.GroupCommit"/>); null when every put syncs
    /// its own files (or nothing is synced).</summary>
    private readonly FileSystemSync? _fileSystem;
    private readonly GroupCommit? _commit;

    /// <summary>Per level-2 fan-out folder: this process has made its name durable (see <c>SyncNames</c>). Not
    /// filled in at open: a folder that exists may still be only in the page cache if the previous process died
    /// between a rename and its folder syncs, so each folder's first put in a process syncs the levels above.</summary>
    private readonly bool[] _durableFolders = new bool[256 * 256];
    private long _usedBytes;
    private long _shardCount;
    private int _disposed;

    private ChunkStore(StoreLayout layout, ChunkStoreOptions options, ILogger logger, FileStream lockFile, PinSet pins, long usedBytes, long shardCount,
        FileSystemSync? fileSystem)
    {
        _fileSystem = fileSystem;
        _commit = fileSystem is null ? null : new GroupCommit(options.BeforeBarrier is { } before ? () => { before(); fileSystem.Flush(); } : fileSystem.Flush);
        _layout = layout;
        _options = options;
        _logger = logger;
        _lockFile = lockFile;
        _pins = pins;
        _usedBytes = usedBytes;
        _shardCount = shardCount;
        _stripes = new Lock[StripeCount];
        for (int i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new Lock();
        }
    }

    /// <summary>Bytes of shard content currently stored.</summary>
    public long UsedBytes => Volatile.Read(ref _usedBytes);

    /// <summary>The configured limit (<see cref="ChunkStoreOptions.MaxStorageBytes"/>).</summary>
    public long Capacity => _options.MaxStorageBytes;

    /// <summary>Shared durability barriers run so far (0 without <see cref="ChunkStoreOptions.GroupCommit"/>): with
    /// many concurrent puts far fewer than two per put.</summary>
    internal long DurabilityBarriers => _commit?.BarrierCount ?? 0;

    /// <summary>Number of shards currently stored.</summary>
    public long ShardCount => Volatile.Read(ref _shardCount);

    /// <summary>Full path of the store's root directory.</summary>
    public string Directory => _layout.Root;

    /// <summary>Opens (creating if needed) the store: takes the directory lock, discards unfinished writes left by
    /// a crash, counts the shards to learn the usage, and loads the pins.</summary>
    public static async Task<ChunkStore> OpenAsync(ChunkStoreOptions options, ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Directory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxStorageBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxShardBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxShardBytes, Array.MaxLength);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.GarbageGracePeriod, TimeSpan.Zero);
        logger ??= NullLogger.Instance;

        StoreLayout layout = new(options.Directory);
        layout.CreateDirectories();
        FileStream lockFile = AcquireLock(layout);
        FileSystemSync? fileSystem = null;
        try
        {
            (int tempFiles, long used, long count) = await Task.Run(() => Scan(layout, logger, cancellationToken), cancellationToken).ConfigureAwait(false);
            fileSystem = options.FlushToDisk && options.GroupCommit ? FileSystemSync.TryOpen(layout.Root) : null;
            PinSet pins = await PinSet.LoadAsync(layout, logger, cancellationToken).ConfigureAwait(false);
            Log.Opened(logger, layout.Root, count, used, options.MaxStorageBytes, tempFiles);
            return new ChunkStore(layout, options, logger, lockFile, pins, used, count, fileSystem);
        }
        catch
        {
            fileSystem?.Dispose();
            await lockFile.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static FileStream AcquireLock(StoreLayout layout)
    {
        try
        {
            return new FileStream(layout.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new StorageException($"Chunk store at {layout.Root} is already open (its LOCK file is held by another process or instance).", ex);
        }
    }

    private static (int TempFiles, long Used, long Count) Scan(StoreLayout layout, ILogger logger, CancellationToken cancellationToken)
    {
        int tempFiles = 0;
        foreach (string temp in System.IO.Directory.EnumerateFiles(layout.Temp))
        {
            AtomicFile.TryDelete(temp);
            tempFiles++;
        }
        long used = 0, count = 0;
        foreach (FileInfo file in new DirectoryInfo(layout.Shards).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!StoreLayout.TryParseShardPath(file.FullName, out _))
            {
                Log.StrayFile(logger, file.FullName);
                continue;
            }
            used += file.Length;
            count++;
        }
        return (tempFiles, used, count);
    }

    /// <summary>True when the shard is stored (without reading or verifying it).</summary>
    public bool Contains(ContentHash hash)
    {
        ThrowIfDisposed();
        return File.Exists(_layout.ShardPath(hash));
    }

    /// <inheritdoc cref="Contains"/>
    public ValueTask<bool> ContainsAsync(ContentHash hash, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Contains(hash));
    }

    /// <summary>Size and write time of a stored shard, or null when absent.</summary>
    public ValueTask<ShardInfo?> StatAsync(ContentHash hash, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        FileInfo file = new(_layout.ShardPath(hash));
        ShardInfo? info = file.Exists ? new ShardInfo(hash, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero)) : null;
        return ValueTask.FromResult(info);
    }

    /// <summary>Removes a shard whether or not it is pinned (an explicit delete overrides pins; use
    /// <see cref="CollectGarbageAsync"/> to remove only unreferenced shards). Returns false when it was absent.</summary>
    public ValueTask<bool> DeleteAsync(ContentHash hash, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        lock (StripeFor(hash))
        {
            return ValueTask.FromResult(RemoveLocked(_layout.ShardPath(hash)) >= 0);
        }
    }

    /// <summary>Every shard address in the store, in no particular order. Shards added or removed while the listing
    /// runs may or may not appear.</summary>
    public async IAsyncEnumerable<ContentHash> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        await Task.Yield();
        foreach (string path in System.IO.Directory.EnumerateFiles(_layout.Shards, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (StoreLayout.TryParseShardPath(path, out ContentHash hash))
            {
                yield return hash;
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _pins.Dispose();
            _commit?.Dispose();
            _fileSystem?.Dispose();
            _lockFile.Dispose();
        }
    }

    private Lock StripeFor(ContentHash hash) => _stripes[(hash.GetHashCode() & int.MaxValue) % StripeCount];

    /// <summary>Deletes a shard file and un-counts it; the caller holds its stripe lock. Returns its length, or -1
    /// when there was no such file.</summary>
    private long RemoveLocked(string path)
    {
        FileInfo file = new(path);
        if (!file.Exists)
        {
            return -1;
        }
        long length = file.Length;
        try
        {
            file.Delete();
        }
        catch (FileNotFoundException)
        {
            return -1;
        }
        catch (DirectoryNotFoundException)
        {
            return -1;
        }
        Interlocked.Add(ref _usedBytes, -length);
        Interlocked.Decrement(ref _shardCount);
        return length;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
