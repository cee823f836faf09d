using System.Buffers;

namespace DataMesh.Storage.ChunkStore;

/// <summary>A verified shard in a buffer rented from <see cref="ArrayPool{T}.Shared"/>. The caller owns it and must
/// dispose it exactly once; <see cref="Memory"/> must not be used after that.</summary>
public sealed class ShardBuffer : IMemoryOwner<byte>
{
    private byte[]? _array;
    private readonly int _length;

    internal ShardBuffer(byte[] rented, int length)
    {
        _array = rented;
        _length = length;
    }

    /// <summary>Length of the shard in bytes.</summary>
    public int Length => _length;

    /// <summary>The shard bytes (exactly <see cref="Length"/> long).</summary>
    public Memory<byte> Memory => new((_array ?? throw new ObjectDisposedException(nameof(ShardBuffer))), 0, _length);

    /// <summary>The shard bytes as a span.</summary>
    public ReadOnlySpan<byte> Span => Memory.Span;

    public void Dispose()
    {
        byte[]? array = Interlocked.Exchange(ref _array, null);
        if (array is not null)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
