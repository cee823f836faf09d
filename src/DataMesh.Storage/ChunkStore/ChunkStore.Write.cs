using DataMesh.Storage.Addressing;
using DataMesh.Storage.Io;
using Microsoft.Win32.SafeHandles;

namespace DataMesh.Storage.ChunkStore;

public sealed partial class ChunkStore
{
    /// <summary>Stores a shard under its BLAKE3-256 and returns that address. Idempotent: storing a shard that is
    /// already present changes nothing but its write time (which restarts its garbage-collection grace period).</summary>
    /// <exception cref="ShardTooLargeException">Longer than <see cref="ChunkStoreOptions.MaxShardBytes"/>.</exception>
    /// <exception cref="StoreFullException">The store's capacity or the disk would be exceeded.</exception>
    public async ValueTask<ContentHash> PutAsync(ReadOnlyMemory<byte> shard, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        CheckSize(shard.Length);
        ContentHash hash = ContentHash.Compute(shard.Span);
        await StoreAsync(hash, shard, cancellationToken).ConfigureAwait(false);
        return hash;
    }

    /// <summary>Stores a shard that must hash to <paramref name="expected"/> (a shard received from a peer).</summary>
    /// <exception cref="ShardHashMismatchException">The bytes hash to something else; nothing is stored.</exception>
    public async ValueTask PutAsync(ContentHash expected, ReadOnlyMemory<byte> shard, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        CheckSize(shard.Length);
        ContentHash actual = ContentHash.Compute(shard.Span);
        if (actual != expected)
        {
            throw new ShardHashMismatchException(expected, actual);
        }
        await StoreAsync(expected, shard, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores a shard whose hash the caller computed from these same bytes a moment ago in this process
    /// (the encoder), skipping a second hashing pass. Reads still verify, so a wrong hash could only ever produce a
    /// shard that reads as corrupt, never wrong data served.</summary>
    internal async ValueTask PutPrehashedAsync(ContentHash hash, ReadOnlyMemory<byte> shard, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        CheckSize(shard.Length);
        await StoreAsync(hash, shard, cancellationToken).ConfigureAwait(false);
    }

    private void CheckSize(long length)
    {
        if (length > _options.MaxShardBytes)
        {
            throw new ShardTooLargeException(length, _options.MaxShardBytes);
        }
    }

    private async ValueTask StoreAsync(ContentHash hash, ReadOnlyMemory<byte> shard, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string path = _layout.ShardPath(hash);
        if (TryTouchExisting(hash, path))
        {
            if (_options.FlushToDisk)
            {
                // Another writer may have placed it a moment ago and not yet made its name durable.
                await MakeNameDurableAsync(hash, path, createdFolders: 0, cancellationToken).ConfigureAwait(false);
            }
            return;
        }

        Reserve(shard.Length);
        string temp = _layout.NewTempPath();
        bool placed = false;
        try
        {
            await WriteTempAsync(temp, shard, cancellationToken).ConfigureAwait(false);
            if (_commit is not null)
            {
                // The bytes and inode must be durable before the rename can be: otherwise a crash could leave a torn
                // file under the shard's name, which would then count as stored.
                await _commit.SyncAsync(cancellationToken).ConfigureAwait(false);
            }
            int createdFolders = 0;
            lock (StripeFor(hash))
            {
                if (!File.Exists(path))
                {
                    createdFolders = MoveIntoPlace(temp, path);
                    Interlocked.Increment(ref _shardCount);
                    placed = true;
                }
            }
            if (_options.FlushToDisk)
            {
                // Also when a concurrent writer of the same shard won the race: its name may not be durable yet.
                await MakeNameDurableAsync(hash, path, createdFolders, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (IOException ex) when (DiskFull.Is(ex))
        {
            long used = UsedBytes - shard.Length;
            Log.StoreFull(_logger, _layout.Root, shard.Length, used, _options.MaxStorageBytes);
            throw new StoreFullException(used, _options.MaxStorageBytes, shard.Length, ex);
        }
        finally
        {
            if (!placed)
            {
                // Lost the race to a concurrent writer of the same shard, or failed: the reservation is returned
                // and the temp file removed (a crash here leaves only a temp file, which the next open deletes).
                AtomicFile.TryDelete(temp);
                Interlocked.Add(ref _usedBytes, -shard.Length);
            }
        }
    }

    /// <summary>The second half of a durable put: with group commit one shared file-system barrier (it covers the
    /// folder entry and any fan-out folder created for it), otherwise the shard's own folder syncs.</summary>
    private ValueTask MakeNameDurableAsync(ContentHash hash, string path, int createdFolders, CancellationToken cancellationToken)
    {
        if (_commit is not null)
        {
            return _commit.SyncAsync(cancellationToken);
        }
        SyncNames(hash, path, createdFolders);
        return ValueTask.CompletedTask;
    }

    /// <summary>Renames a finished temp file to its shard path; the caller holds the stripe lock and has just seen
    /// that the path is free, so a plain rename suffices. The fan-out folders are created only when the rename says
    /// they are missing, which saves a mkdir per write once the store has warmed up (another writer may create them
    /// at the same moment: creating is idempotent). Returns how many folders this call created (0, 1 or 2).</summary>
    private static int MoveIntoPlace(string temp, string path)
    {
        try
        {
            File.Move(temp, path, overwrite: true);
            return 0;
        }
        catch (DirectoryNotFoundException)
        {
            string level2 = Path.GetDirectoryName(path)!;
            int created = System.IO.Directory.Exists(Path.GetDirectoryName(level2)) ? 1 : 2;
            System.IO.Directory.CreateDirectory(level2);
            File.Move(temp, path, overwrite: true);
            return created;
        }
    }

    /// <summary>The durability half of a put: the shard's bytes and inode were fsynced before the rename; this syncs
    /// the folder that now names it, so once PutAsync returns the shard survives a crash (a crash before leaves it
    /// either absent or whole, never torn). A fan-out folder's own name must be durable too: the first put into each
    /// folder in this process's life (or one that created it) also syncs the folders above, then remembers that the
    /// folder is durable, so later puts pay one folder sync.</summary>
    private void SyncNames(ContentHash hash, string path, int createdFolders)
    {
        string folder = Path.GetDirectoryName(path)!;
        DirectorySync.Flush(folder);
        int index = FanOutIndex(hash);
        if (createdFolders == 0 && Volatile.Read(ref _durableFolders[index]))
        {
            return;
        }
        // Whoever created the folders, sync both levels above: another writer that created them may not have yet.
        for (int level = 0; level < 2; level++)
        {
            folder = Path.GetDirectoryName(folder)!;
            DirectorySync.Flush(folder);
        }
        Volatile.Write(ref _durableFolders[index], true);
    }

    /// <summary>The level-2 fan-out folder of a shard as a number: its address's first two bytes.</summary>
    private static int FanOutIndex(ContentHash hash)
    {
        Span<byte> bytes = stackalloc byte[ContentHash.Size];
        hash.WriteTo(bytes);
        return (bytes[0] << 8) | bytes[1];
    }

    /// <summary>Writes the temp file: the block-aligned body with direct I/O (<see cref="DirectIo.WriteBlocksAsync"/>,
    /// which stages shards received from peers into aligned memory), so it goes to the device without a page-cache
    /// copy; the short tail (the cipher tag makes shards 16 bytes past a block boundary) goes
    /// through the page cache. Then, without group commit, fsync: data and inode are on disk before the rename makes
    /// the shard visible (with group commit the caller waits for a shared barrier instead).</summary>
    private async Task WriteTempAsync(string temp, ReadOnlyMemory<byte> shard, CancellationToken cancellationToken)
    {
        // No preallocation: it only adds extent work for a file written once, whole.
        using SafeFileHandle handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.Asynchronous);
        int prefix = shard.Length >= DirectIo.Alignment ? DirectIo.AlignDown(shard.Length) : 0;
        if (prefix > 0 && DirectIo.TrySet(handle, direct: true))
        {
            await DirectIo.WriteBlocksAsync(handle, shard[..prefix], 0, cancellationToken).ConfigureAwait(false);
            if (!DirectIo.TrySet(handle, direct: false))
            {
                throw new IOException($"Could not switch {temp} back to buffered I/O for the shard's tail.");
            }
        }
        else
        {
            prefix = 0;
        }
        if (prefix < shard.Length)
        {
            await RandomAccess.WriteAsync(handle, shard[prefix..], prefix, cancellationToken).ConfigureAwait(false);
        }
        if (_options.FlushToDisk && _commit is null)
        {
            RandomAccess.FlushToDisk(handle); // with group commit the shared barrier that follows does this
        }
    }

    private bool TryTouchExisting(ContentHash hash, string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }
        lock (StripeFor(hash))
        {
            try
            {
                File.SetLastWriteTimeUtc(path, _options.TimeProvider.GetUtcNow().UtcDateTime);
                return true;
            }
            catch (FileNotFoundException)
            {
                return false; // Deleted between the check and the lock: store it afresh.
            }
        }
    }

    /// <summary>Claims room for a write up front, so concurrent writers cannot jointly overshoot the limit.</summary>
    private void Reserve(long length)
    {
        long limit = _options.MaxStorageBytes;
        while (true)
        {
            long used = Volatile.Read(ref _usedBytes);
            if (length > limit - used)
            {
                Log.StoreFull(_logger, _layout.Root, length, used, limit);
                throw new StoreFullException(used, limit, length);
            }
            if (Interlocked.CompareExchange(ref _usedBytes, used + length, used) == used)
            {
                return;
            }
        }
    }
}
