using System.Buffers;
using DataMesh.Storage.Io;

namespace DataMesh.Storage.ChunkStore;

/// <summary>A verified shard in a pooled buffer. The caller owns it and must dispose it exactly once;
/// <see cref="Memory"/> must not be used after that. The memory is block-aligned (the store reads into it with
/// direct I/O), so it can also be written out again directly.</summary>
public sealed class ShardBuffer : IMemoryOwner<byte>
{
    private readonly AlignedBuffer _buffer;

    internal ShardBuffer(AlignedBuffer buffer) => _buffer = buffer;

    /// <summary>Length of the shard in bytes.</summary>
    public int Length => _buffer.Length;

    /// <summary>The shard bytes (exactly <see cref="Length"/> long).</summary>
    public Memory<byte> Memory
    {
        get
        {
            try
            {
                return _buffer.Memory;
            }
            catch (ObjectDisposedException)
            {
                throw new ObjectDisposedException(nameof(ShardBuffer));
            }
        }
    }

    /// <summary>The shard bytes as a span.</summary>
    public ReadOnlySpan<byte> Span => Memory.Span;

    public void Dispose() => _buffer.Dispose();
}
