using DataMesh.Storage.Io;
using Microsoft.Win32.SafeHandles;

namespace DataMesh.Storage.Pipeline;

/// <summary>The temporary file a decode writes into, opened twice: once with direct I/O for the block-aligned body of
/// each chunk (straight from the shard buffer to the device, no page-cache copy of the whole file) and once buffered
/// for everything else (a last chunk's tail, chunks in caller memory that is not aligned). Stripes are written
/// concurrently, so O_DIRECT cannot be switched on and off on one shared handle.
/// <para>Mixing the two is safe because no block is written both ways: direct writes cover only whole blocks inside
/// one chunk, and only when the chunk size is a multiple of the block size, so every chunk starts on a block
/// boundary and a buffered tail never shares a block with another chunk's direct body.</para></summary>
internal sealed class AssemblyFile : IDisposable
{
    private readonly SafeFileHandle? _direct;

    private AssemblyFile(SafeFileHandle buffered, SafeFileHandle? direct)
    {
        Buffered = buffered;
        _direct = direct;
    }

    /// <summary>The buffered handle: length, flush and anything not written directly.</summary>
    public SafeFileHandle Buffered { get; }

    /// <summary>True when chunk bodies go to disk with direct I/O.</summary>
    public bool IsDirect => _direct is not null;

    /// <summary>Creates <paramref name="path"/> (which must not exist), reserving <paramref name="length"/> bytes.</summary>
    public static AssemblyFile Create(string path, long length, int chunkSize) =>
        WithDirectHandle(File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite,
            FileOptions.Asynchronous, preallocationSize: length), path, length, chunkSize);

    /// <summary>Opens the partial file of an interrupted decode, or creates it. Its content is kept when
    /// <paramref name="keepContent"/> and it already has <paramref name="length"/> bytes; otherwise it is emptied.
    /// <paramref name="kept"/> says which happened.</summary>
    public static AssemblyFile OpenForResume(string path, long length, int chunkSize, bool keepContent, out bool kept)
    {
        SafeFileHandle buffered = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite, FileOptions.Asynchronous);
        try
        {
            kept = keepContent && RandomAccess.GetLength(buffered) == length;
            if (!kept)
            {
                RandomAccess.SetLength(buffered, 0);
            }
            RandomAccess.SetLength(buffered, length);
        }
        catch
        {
            buffered.Dispose();
            throw;
        }
        return WithDirectHandle(buffered, path, length, chunkSize);
    }

    private static AssemblyFile WithDirectHandle(SafeFileHandle buffered, string path, long length, int chunkSize)
    {
        SafeFileHandle? direct = null;
        try
        {
            if (DirectIo.IsSupported && chunkSize % DirectIo.Alignment == 0 && length >= DirectIo.Alignment)
            {
                direct = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, FileOptions.Asynchronous);
                if (!DirectIo.TrySet(direct, direct: true))
                {
                    direct.Dispose();
                    direct = null;
                }
            }
            return new AssemblyFile(buffered, direct);
        }
        catch
        {
            direct?.Dispose();
            buffered.Dispose();
            throw;
        }
    }

    /// <summary>Writes one chunk's plaintext at its offset: its block-aligned body directly (staged when the memory is
    /// not aligned, <see cref="DirectIo.WriteAsync"/>), its tail buffered.</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, long offset, CancellationToken cancellationToken) =>
        DirectIo.WriteAsync(_direct, Buffered, data, offset, cancellationToken);

    /// <summary>Writes consecutive chunks, the first at <paramref name="offset"/>: a stripe's data chunks are contiguous
    /// in the file, so their block-aligned bodies go down in one vectored direct write (one system call and one
    /// thread-pool hand-off per stripe instead of one per chunk) and only the last chunk's tail is written buffered.
    /// Every chunk but the last must be a whole number of blocks for that; otherwise each chunk is written alone.
    /// Bodies in memory that is not block-aligned (shards the node fetched into ordinary pooled arrays) are staged
    /// (<see cref="AlignedBufferPool.StageForDirectIo"/>) so that they still go to the device directly: the kernel's
    /// copy into page cache had been a quarter of the receiving process's CPU time (docs/transfers.md, "Receive
    /// throughput").</summary>
    public async ValueTask WriteAsync(IReadOnlyList<ReadOnlyMemory<byte>> chunks, long offset, CancellationToken cancellationToken)
    {
        if (CanWriteVectored(chunks, offset))
        {
            await WriteVectoredAsync(chunks, offset, cancellationToken).ConfigureAwait(false);
            return;
        }
        foreach (ReadOnlyMemory<byte> chunk in chunks)
        {
            await WriteAsync(chunk, offset, cancellationToken).ConfigureAwait(false);
            offset += chunk.Length;
        }
    }

    private async ValueTask WriteVectoredAsync(IReadOnlyList<ReadOnlyMemory<byte>> chunks, long offset, CancellationToken cancellationToken)
    {
        var bodies = new ReadOnlyMemory<byte>[chunks.Count];
        var staging = new List<AlignedBuffer>();
        try
        {
            long bodyLength = 0;
            for (int i = 0; i < chunks.Count; i++)
            {
                bodies[i] = AlignedBufferPool.Shared.StageForDirectIo(chunks[i][..DirectIo.AlignDown(chunks[i].Length)], out AlignedBuffer? buffer);
                if (buffer is not null)
                {
                    staging.Add(buffer);
                }
                bodyLength += bodies[i].Length;
            }
            await RandomAccess.WriteAsync(_direct!, bodies, offset, cancellationToken).ConfigureAwait(false);
            ReadOnlyMemory<byte> last = chunks[^1];
            int tail = last.Length - bodies[^1].Length;
            if (tail > 0)
            {
                await RandomAccess.WriteAsync(Buffered, last[^tail..], offset + bodyLength, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (AlignedBuffer buffer in staging)
            {
                buffer.Dispose();
            }
        }
    }

    /// <summary>Direct and vectored: a direct handle, an aligned start, whole blocks in every chunk but the last, and
    /// at least one block in the last (a shorter one would leave an empty body).</summary>
    private bool CanWriteVectored(IReadOnlyList<ReadOnlyMemory<byte>> chunks, long offset)
    {
        if (_direct is null || chunks.Count == 0 || offset % DirectIo.Alignment != 0 || chunks[^1].Length < DirectIo.Alignment)
        {
            return false;
        }
        for (int i = 0; i < chunks.Count - 1; i++)
        {
            if (chunks[i].Length % DirectIo.Alignment != 0)
            {
                return false;
            }
        }
        return true;
    }

    public void Dispose()
    {
        _direct?.Dispose();
        Buffered.Dispose();
    }
}
