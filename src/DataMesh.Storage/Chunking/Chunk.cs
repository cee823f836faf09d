using DataMesh.Storage.Io;

namespace DataMesh.Storage.Chunking;

/// <summary>One plaintext chunk read from a stream, in a block-aligned pooled buffer (so its shard can be written
/// to disk with direct I/O).
/// Whoever holds the chunk owns the buffer and must dispose it exactly once; after that no memory obtained from it
/// may be used. The buffer is larger than the chunk by the trailing capacity asked of <see cref="ChunkReader"/>, so a
/// transform that grows the data (sealing adds a tag; padding to a stripe's shard length) can work in place.</summary>
internal sealed class Chunk : IDisposable
{
    private readonly AlignedBuffer _buffer;

    internal Chunk(AlignedBuffer buffer, long index, long offset, int length, int capacity)
    {
        _buffer = buffer;
        Index = index;
        Offset = offset;
        Length = length;
        Capacity = capacity;
    }

    /// <summary>Position of the chunk in the file (0-based).</summary>
    public long Index { get; }

    /// <summary>Offset of the chunk's first byte in the file.</summary>
    public long Offset { get; }

    /// <summary>Plaintext length.</summary>
    public int Length { get; }

    /// <summary>True for the file's final chunk (known by reading one chunk ahead).</summary>
    public bool IsLast { get; internal set; }

    /// <summary>Usable bytes in <see cref="Buffer"/>: chunk size plus the reader's trailing capacity.</summary>
    public int Capacity { get; }

    /// <summary>The plaintext.</summary>
    public ReadOnlyMemory<byte> Data => Buffer[..Length];

    /// <summary>The whole owned buffer (<see cref="Capacity"/> bytes), plaintext first, for in-place transforms.</summary>
    public Memory<byte> Buffer
    {
        get
        {
            try
            {
                return _buffer.Memory;
            }
            catch (ObjectDisposedException)
            {
                throw new ObjectDisposedException(nameof(Chunk));
            }
        }
    }

    public void Dispose() => _buffer.Dispose();
}
