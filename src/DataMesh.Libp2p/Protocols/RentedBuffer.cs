using System.Buffers;

namespace DataMesh.Libp2p.Protocols;

/// <summary>A message body in an array rented from the shared pool. The receiver owns it and must dispose it once;
/// after that <see cref="Memory"/> must not be touched.</summary>
internal sealed class RentedBuffer : IDisposable
{
    private byte[]? _array;

    internal RentedBuffer(int length)
    {
        _array = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        Length = length;
    }

    public int Length { get; }

    public Memory<byte> Memory => (_array ?? throw new ObjectDisposedException(nameof(RentedBuffer))).AsMemory(0, Length);

    public Span<byte> Span => Memory.Span;

    public void Dispose()
    {
        byte[]? array = Interlocked.Exchange(ref _array, null);
        if (array is not null)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
