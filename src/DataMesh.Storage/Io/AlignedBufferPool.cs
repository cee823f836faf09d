using System.Buffers;
using System.Collections.Concurrent;

namespace DataMesh.Storage.Io;

/// <summary>A pool of byte buffers whose first byte sits on a <see cref="Alignment"/> boundary, so shards and chunks
/// can go to and from disk with direct I/O (<see cref="DirectIo"/>), which needs aligned memory.
/// <para>Buffers are slices of arrays on the pinned object heap: they never move (the alignment holds for their
/// lifetime) and, unlike native memory, a slice used after its lease was returned is a logic error, never a
/// use-after-free. Reusing the same few buffers also keeps the pipeline's memory resident: fresh pages cost a page
/// fault (and on a VM a host fault) each, which is what ArrayPool misses and per-chunk allocations paid.</para>
/// <para>Sizes are rounded up to a multiple of <see cref="SizeClass"/>, so one class serves every shard of a file.
/// The pool keeps at most <see cref="MaxRetainedBytes"/> of returned buffers; the rest are left to the GC.</para></summary>
internal sealed class AlignedBufferPool
{
    public const int Alignment = DirectIo.Alignment;

    /// <summary>Granularity of buffer capacities: 64 KiB, the smallest chunk the encoder makes.</summary>
    public const int SizeClass = 64 * 1024;

    /// <summary>Buffers larger than this (4 MiB chunks plus their tag, rounded) are allocated per use, not pooled.</summary>
    public const int MaxPooledLength = (4 * 1024 * 1024) + SizeClass;

    private readonly ConcurrentStack<byte[]>[] _classes = new ConcurrentStack<byte[]>[MaxPooledLength / SizeClass];
    private long _retainedBytes;

    public AlignedBufferPool(long maxRetainedBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetainedBytes);
        MaxRetainedBytes = maxRetainedBytes;
        for (int i = 0; i < _classes.Length; i++)
        {
            _classes[i] = new ConcurrentStack<byte[]>();
        }
    }

    /// <summary>Shared by the chunk store and the pipeline: 256 MiB covers the default encode and decode windows at
    /// 4 MiB chunks with room to spare, and is only ever reached if that much was in use at once.</summary>
    public static AlignedBufferPool Shared { get; } = new(256L * 1024 * 1024);

    public long MaxRetainedBytes { get; }

    /// <summary>Bytes currently held by the pool for reuse (not counting buffers on lease).</summary>
    public long RetainedBytes => Volatile.Read(ref _retainedBytes);

    /// <summary>Memory that direct I/O can write: <paramref name="body"/> itself when it is aligned, otherwise a copy
    /// in a buffer leased into <paramref name="staging"/> (null when no copy was needed; dispose it after the write).
    /// A user-space copy costs far less than the kernel's copy into fresh page-cache pages and their later writeback,
    /// so unaligned data (shards and chunks in ordinary pooled arrays) is staged rather than written buffered.</summary>
    public ReadOnlyMemory<byte> StageForDirectIo(ReadOnlyMemory<byte> body, out AlignedBuffer? staging)
    {
        if (DirectIo.IsAligned(body))
        {
            staging = null;
            return body;
        }
        staging = Rent(body.Length);
        body.CopyTo(staging.Memory);
        return staging.Memory;
    }

    /// <summary>Leases an aligned buffer of exactly <paramref name="length"/> bytes (contents undefined). Dispose the
    /// lease once, after the last use of its memory.</summary>
    public AlignedBuffer Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int capacity = RoundUp(Math.Max(length, 1), SizeClass);
        if (capacity <= MaxPooledLength && _classes[(capacity / SizeClass) - 1].TryPop(out byte[]? array))
        {
            Interlocked.Add(ref _retainedBytes, -array.Length);
            return new AlignedBuffer(this, array, length);
        }
        // One extra alignment unit so an aligned start exists wherever the GC places the array.
        return new AlignedBuffer(this, GC.AllocateUninitializedArray<byte>(capacity + Alignment, pinned: true), length);
    }

    internal void Return(byte[] array)
    {
        int capacity = array.Length - Alignment;
        if (capacity > MaxPooledLength || capacity % SizeClass != 0)
        {
            return;
        }
        if (Interlocked.Add(ref _retainedBytes, array.Length) > MaxRetainedBytes)
        {
            Interlocked.Add(ref _retainedBytes, -array.Length);
            return; // over the cap: the GC reclaims it
        }
        _classes[(capacity / SizeClass) - 1].Push(array);
    }

    internal static int RoundUp(int value, int multiple) => (int)(((long)value + multiple - 1) / multiple * multiple);
}

/// <summary>A lease on an aligned buffer from <see cref="AlignedBufferPool"/>: <see cref="Memory"/> is exactly the
/// length asked for and starts on an <see cref="AlignedBufferPool.Alignment"/> boundary. Dispose it exactly once;
/// the memory must not be used after that.</summary>
internal sealed class AlignedBuffer : IMemoryOwner<byte>
{
    private readonly AlignedBufferPool _pool;
    private readonly int _offset;
    private byte[]? _array;

    internal AlignedBuffer(AlignedBufferPool pool, byte[] array, int length)
    {
        _pool = pool;
        _array = array;
        _offset = AlignmentOffset(array);
        Length = length;
    }

    public int Length { get; }

    public Memory<byte> Memory => new(_array ?? throw new ObjectDisposedException(nameof(AlignedBuffer)), _offset, Length);

    public void Dispose()
    {
        byte[]? array = Interlocked.Exchange(ref _array, null);
        if (array is not null)
        {
            _pool.Return(array);
        }
    }

    private static unsafe int AlignmentOffset(byte[] array)
    {
        // Pinned-heap arrays never move, so the offset computed once stays valid.
        fixed (byte* start = array)
        {
            nint misalignment = (nint)start & (AlignedBufferPool.Alignment - 1);
            return misalignment == 0 ? 0 : AlignedBufferPool.Alignment - (int)misalignment;
        }
    }
}
