namespace DataMesh.Storage.ChunkStore;

/// <summary>Recognises the operating system's "no space left on device" among I/O errors.</summary>
internal static class DiskFull
{
    private const int Enospc = 28;              // Linux and macOS errno; .NET surfaces it as the HResult on Unix.
    private const int ErrorDiskFull = 112;      // Windows ERROR_DISK_FULL
    private const int ErrorHandleDiskFull = 39; // Windows ERROR_HANDLE_DISK_FULL

    public static bool Is(IOException exception)
    {
        int code = exception.HResult;
        if (OperatingSystem.IsWindows())
        {
            int win32 = code & 0xFFFF;
            return win32 is ErrorDiskFull or ErrorHandleDiskFull;
        }
        return code == Enospc;
    }
}
