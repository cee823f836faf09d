using System.Buffers;

namespace DataMesh.Storage.Erasure;

/// <summary>Pins a set of caller buffers for the duration of one coding call and unpins them all on dispose.</summary>
internal unsafe ref struct PinnedShards
{
    private MemoryHandle[]? _handles;
    private int _count;

    public PinnedShards(int capacity)
    {
        _handles = ArrayPool<MemoryHandle>.Shared.Rent(capacity);
    }

    public byte* Pin(ReadOnlyMemory<byte> buffer)
    {
        MemoryHandle handle = buffer.Pin();
        _handles![_count++] = handle;
        return (byte*)handle.Pointer;
    }

    public void Dispose()
    {
        if (_handles is null)
        {
            return;
        }

        for (int i = 0; i < _count; i++)
        {
            _handles[i].Dispose();
        }

        ArrayPool<MemoryHandle>.Shared.Return(_handles, clearArray: true);
        _handles = null;
        _count = 0;
    }
}
