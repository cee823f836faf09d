using System.Runtime.InteropServices;

namespace DataMesh.Storage.Io;

/// <summary>A durability barrier for a whole file system (Linux <c>syncfs</c>, then an fsync, see <see cref="Flush"/>):
/// writes back every dirty inode, directory block and page of the file system holding <see cref="Directory"/>, then
/// flushes the device's cache.
/// One call makes many files' contents, inodes and names durable together, where per-file durability needs an fsync
/// of each file and of each folder naming one, every one ending in its own device flush.
/// <para>It also writes back other processes' dirty data on the same file system; its cost is that of everything
/// dirty there, which is why the store offers per-shard syncs as well (<c>ChunkStoreOptions.GroupCommit</c>).</para></summary>
internal sealed partial class FileSystemSync : IDisposable
{
    private readonly int _fd;
    private int _disposed;

    private FileSystemSync(string directory, int fd)
    {
        Directory = directory;
        _fd = fd;
    }

    /// <summary>True where the barrier exists (Linux).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    public string Directory { get; }

    /// <summary>Opens a handle on <paramref name="directory"/> to sync its file system through; null where
    /// unsupported.</summary>
    /// <exception cref="IOException">The directory could not be opened.</exception>
    public static FileSystemSync? TryOpen(string directory)
    {
        if (!IsSupported)
        {
            return null;
        }
        return new FileSystemSync(directory, DirectorySync.OpenDirectory(directory, directory, "sync its file system"));
    }

    /// <summary>Blocks until everything written to the file system before the call is durable: syncfs, then an fsync
    /// of the directory handle.
    /// <para>Why the fsync: syncfs orders its steps as "submit metadata buffers, wait for data, flush the device cache,
    /// wait for the metadata buffers". On a file system whose metadata lives in those buffers (ext4 without a journal,
    /// the test VM's) the last metadata writes (inode sizes and extents, folder blocks) can complete after the cache
    /// flush, so they may still sit in the device's volatile cache when syncfs returns. An fsync afterwards issues
    /// one more cache flush (ext4 without a journal always does) that covers them. With a journal, or on XFS and
    /// btrfs, syncfs is already ordered and the extra fsync finds nothing to do.</para></summary>
    /// <exception cref="IOException">The file system reported a write-back error.</exception>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (SyncFs(_fd) != 0)
        {
            throw new IOException($"syncfs of the file system holding {Directory} failed (errno {Marshal.GetLastPInvokeError()}).");
        }
        DirectorySync.FsyncDescriptor(_fd, $"{Directory} after syncfs");
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            DirectorySync.CloseDescriptor(_fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(int fd);
}
