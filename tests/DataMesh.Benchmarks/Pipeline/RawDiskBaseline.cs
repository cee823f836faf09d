using DataMesh.Storage.Io;
using DataMesh.Storage.Pipeline;
using Microsoft.Win32.SafeHandles;

namespace DataMesh.Benchmarks.Pipeline;

/// <summary>The disk on its own, through the file APIs the pipeline uses (direct I/O from aligned pooled buffers,
/// the same concurrency, fsync at the end), so each pipeline rate can be given as a fraction of what the disk does
/// for the same bytes in the same run:
/// <list type="bullet">
/// <item>write: the bytes the encode stored, written sequentially to one file, then fsynced;</item>
/// <item>copy: the bytes the decode read, read back from that file and written to a second one, then fsynced.</item>
/// </list></summary>
internal static class RawDiskBaseline
{
    public static async Task WriteAsync(string path, long bytes, int blockSize, int writers)
    {
        using AssemblyFile file = AssemblyFile.Create(path, bytes, blockSize);
        long next = -1;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            using AlignedBuffer buffer = AlignedBufferPool.Shared.Rent(blockSize);
            Random.Shared.NextBytes(buffer.Memory.Span);
            long block;
            while ((block = Interlocked.Increment(ref next)) * blockSize < bytes)
            {
                long offset = block * blockSize;
                await file.WriteAsync(buffer.Memory[..(int)Math.Min(blockSize, bytes - offset)], offset, CancellationToken.None);
            }
        })));
        RandomAccess.FlushToDisk(file.Buffered);
    }

    public static async Task CopyAsync(string source, string destination, long bytes, int blockSize, int workers)
    {
        using SafeFileHandle input = File.OpenHandle(source, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        // Direct reads must be whole blocks: with an aligned block size the last, short block is rounded up, which
        // stays inside the source (it is longer than the copy).
        bool direct = blockSize % DirectIo.Alignment == 0 && DirectIo.TrySet(input, direct: true);
        using AssemblyFile output = AssemblyFile.Create(destination, bytes, blockSize);
        long next = -1;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            using AlignedBuffer buffer = AlignedBufferPool.Shared.Rent(blockSize);
            long block;
            while ((block = Interlocked.Increment(ref next)) * blockSize < bytes)
            {
                long offset = block * blockSize;
                int length = (int)Math.Min(blockSize, bytes - offset);
                int request = direct ? AlignedBufferPool.RoundUp(length, DirectIo.Alignment) : length;
                int read = await RandomAccess.ReadAsync(input, buffer.Memory[..request], offset);
                if (read < length)
                {
                    throw new IOException($"Baseline source {source} ended early at {offset + read}.");
                }
                await output.WriteAsync(buffer.Memory[..length], offset, CancellationToken.None);
            }
        })));
        RandomAccess.FlushToDisk(output.Buffered);
    }
}
