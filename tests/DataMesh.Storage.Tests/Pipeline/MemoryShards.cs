using System.Buffers;
using System.Collections.Concurrent;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Pipeline;

namespace DataMesh.Storage.Tests.Pipeline;

/// <summary>An in-memory shard sink and source that tests can damage: drop shards, corrupt them, or lie.</summary>
internal sealed class MemoryShards : IShardSink, IShardSource
{
    private readonly ConcurrentDictionary<ContentHash, byte[]> _shards = new();

    public int Count => _shards.Count;

    public int Fetches;

    public ValueTask PutShardAsync(ContentHash address, ReadOnlyMemory<byte> shard, long stripe, int index, CancellationToken cancellationToken)
    {
        Assert.Equal(address, ContentHash.Compute(shard.Span));
        _shards[address] = shard.ToArray();
        return ValueTask.CompletedTask;
    }

    public ValueTask<IMemoryOwner<byte>?> TryGetShardAsync(ContentHash address, long stripe, int index, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Fetches);
        IMemoryOwner<byte>? result = _shards.TryGetValue(address, out byte[]? bytes) ? new Owner((byte[])bytes.Clone()) : null;
        return ValueTask.FromResult(result);
    }

    public bool Remove(ContentHash address) => _shards.TryRemove(address, out _);

    /// <summary>Replaces a shard's bytes with damaged ones under the same address.</summary>
    public void Corrupt(ContentHash address) => _shards[address][0] ^= 0x80;

    public bool Contains(ContentHash address) => _shards.ContainsKey(address);

    private sealed class Owner(byte[] bytes) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory => bytes;

        public void Dispose()
        {
        }
    }
}
