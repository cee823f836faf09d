using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace DataMesh.Storage.Io;

/// <summary>Direct I/O (Linux O_DIRECT) for the bulk data plane: shard bodies and decoded files move between our
/// own pooled buffers and the device without a copy through the page cache.
/// <para>Why: buffered writes of a gigabyte copy every byte into freshly allocated page-cache pages, which the
/// profile showed as most of the pipeline's CPU time (the kernel copy ran at ~1 GB/s, and on the test VM fresh pages
/// also fault in the hypervisor), and they fill the cache with shards nobody will read soon. A direct write is DMA
/// from the caller's buffer; the fsync that follows only has metadata left to write.</para>
/// <para>Direct I/O needs the memory address, file offset and length aligned to the device's block size; we use
/// <see cref="Alignment"/> (4 KiB), which suits every common device. Callers therefore split a transfer into an
/// aligned prefix (direct) and a short tail (buffered, through a handle without O_DIRECT); <see cref="AlignedBufferPool"/>
/// provides aligned memory. .NET has no option for O_DIRECT on Unix, so it is set with fcntl(F_SETFL) on an open
/// handle; where that is unavailable (other OSes, file systems without direct I/O such as some tmpfs versions) every
/// helper falls back to ordinary buffered I/O, which is always correct.</para></summary>
internal static partial class DirectIo
{
    public const int Alignment = 4096;

    private const int GetFlags = 3; // F_GETFL
    private const int SetFlags = 4; // F_SETFL

    /// <summary>O_DIRECT differs by architecture; null where we do not know it (no direct I/O then).</summary>
    private static readonly int? DirectFlag = !OperatingSystem.IsLinux() ? null : RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 or Architecture.X86 => 0x4000,
        Architecture.Arm64 or Architecture.Arm => 0x10000,
        _ => null,
    };

    /// <summary>True when this platform can use direct I/O at all.</summary>
    public static bool IsSupported => DirectFlag is not null;

    /// <summary>Turns O_DIRECT on or off for <paramref name="handle"/>; false when the platform or file system refuses
    /// (the handle is then unchanged and buffered).</summary>
    public static bool TrySet(SafeFileHandle handle, bool direct)
    {
        if (DirectFlag is not int flag)
        {
            return false;
        }
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int fd = (int)handle.DangerousGetHandle();
            int flags = Fcntl(fd, GetFlags, 0);
            if (flags < 0)
            {
                return false;
            }
            int wanted = direct ? flags | flag : flags & ~flag;
            return wanted == flags || Fcntl(fd, SetFlags, wanted) == 0;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>True when <paramref name="memory"/> starts on an <see cref="Alignment"/> boundary.</summary>
    public static unsafe bool IsAligned(ReadOnlyMemory<byte> memory)
    {
        using MemoryHandle pin = memory.Pin();
        return ((nint)pin.Pointer & (Alignment - 1)) == 0;
    }

    /// <summary>The largest multiple of <see cref="Alignment"/> not above <paramref name="length"/>.</summary>
    public static int AlignDown(int length) => length & ~(Alignment - 1);

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/>: the block-aligned prefix through
    /// <paramref name="direct"/> (a handle with O_DIRECT on, or null for none; <see cref="WriteBlocksAsync"/>), the rest
    /// through <paramref name="buffered"/>. Falls back to one buffered write when the offset is not aligned.</summary>
    public static async ValueTask WriteAsync(SafeFileHandle? direct, SafeFileHandle buffered, ReadOnlyMemory<byte> data, long offset,
        CancellationToken cancellationToken)
    {
        int prefix = direct is not null && offset % Alignment == 0 ? AlignDown(data.Length) : 0;
        if (prefix > 0)
        {
            await WriteBlocksAsync(direct!, data[..prefix], offset, cancellationToken).ConfigureAwait(false);
        }
        if (prefix < data.Length)
        {
            await RandomAccess.WriteAsync(buffered, data[prefix..], offset + prefix, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes whole blocks at an aligned offset through a handle in direct mode. Memory that is not aligned
    /// (shards and chunks received into ordinary pooled arrays) is staged through an aligned pooled buffer
    /// (<see cref="AlignedBufferPool.StageForDirectIo"/>): written buffered instead, the kernel's copies into page
    /// cache and their writeback were the largest item of a receiving node's profile (docs/storage-store.md).</summary>
    public static async ValueTask WriteBlocksAsync(SafeFileHandle direct, ReadOnlyMemory<byte> blocks, long offset, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> aligned = AlignedBufferPool.Shared.StageForDirectIo(blocks, out AlignedBuffer? staging);
        using (staging)
        {
            await RandomAccess.WriteAsync(direct, aligned, offset, cancellationToken).ConfigureAwait(false);
        }
    }

    // fcntl is variadic in C; with an int third argument the fixed-argument call is the same on x64 and arm64 Linux.
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);
}
