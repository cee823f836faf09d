using System.Runtime.InteropServices;

namespace DataMesh.Storage.Io;

/// <summary>Makes a directory's entries durable: on Unix, fsync of the directory itself, so a rename or create in it
/// survives a crash (fsync of a file covers its data and inode, not the name that points at it). .NET cannot open a
/// directory as a file handle, hence the three libc calls. On Windows the rename's metadata is journaled by NTFS and
/// there is no directory handle to flush; nothing is done there.</summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0; // O_RDONLY
    private const int CloseOnExecLinux = 0x80000; // O_CLOEXEC on every Linux architecture

    /// <summary>Flushes <paramref name="directory"/>'s entries to disk.</summary>
    /// <exception cref="IOException">The directory could not be opened or synced.</exception>
    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        int fd = OpenDirectory(directory, $"directory {directory}", "sync it");
        try
        {
            FsyncDescriptor(fd, $"directory {directory}");
        }
        finally
        {
            CloseDescriptor(fd);
        }
    }

    /// <summary>Opens a directory read-only (close-on-exec on Linux) for fsync or syncfs, which .NET has no handle
    /// for. <paramref name="name"/> and <paramref name="purpose"/> word the error.</summary>
    /// <exception cref="IOException">The directory could not be opened.</exception>
    internal static int OpenDirectory(string directory, string name, string purpose)
    {
        int fd = Open(directory, ReadOnly | (OperatingSystem.IsLinux() ? CloseOnExecLinux : 0));
        if (fd < 0)
        {
            throw new IOException($"Could not open {name} to {purpose} (errno {Marshal.GetLastPInvokeError()}).");
        }
        return fd;
    }

    /// <summary>fsync of an open descriptor; <paramref name="name"/> words the error.</summary>
    /// <exception cref="IOException">The sync failed.</exception>
    internal static void FsyncDescriptor(int fd, string name)
    {
        if (Fsync(fd) != 0)
        {
            throw new IOException($"fsync of {name} failed (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    internal static void CloseDescriptor(int fd) => _ = Close(fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
