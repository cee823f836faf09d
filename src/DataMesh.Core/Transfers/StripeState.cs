using System.Buffers;

namespace DataMesh.Core.Transfers;

/// <summary>
/// One stripe being retrieved: which shards are verified (with their pooled buffers), how many fetches run, the
/// next shard to request, and a token that cancels its remaining fetches once k shards are in. Owned by the
/// single coordinating loop of <see cref="StripeRetrieval"/>, so it needs no locks.
/// </summary>
internal sealed class StripeState
{
    private readonly byte[]?[] _buffers;
    private readonly bool[] _present;
    private readonly CancellationTokenSource _cancellation;

    public StripeState(StripeDescriptor descriptor, CancellationToken operationToken)
    {
        Descriptor = descriptor;
        _buffers = new byte[descriptor.Shards.Count][];
        _present = new bool[descriptor.Shards.Count];
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(operationToken);
        Token = _cancellation.Token;
    }

    public StripeDescriptor Descriptor { get; }
    public CancellationToken Token { get; }
    public List<string> Errors { get; } = [];
    public int Verified { get; private set; }
    public int InFlight { get; set; }
    public int NextShard { get; set; }
    public bool IsReleased { get; private set; }

    public bool IsComplete => Verified >= Descriptor.DataShardCount;

    public bool NeedsMoreRequests =>
        !IsComplete && Verified + InFlight < Descriptor.DataShardCount && NextShard < Descriptor.Shards.Count;

    public bool CanStillComplete =>
        Verified + InFlight + (Descriptor.Shards.Count - NextShard) >= Descriptor.DataShardCount;

    /// <summary>Takes ownership of a verified shard's buffer; the k-th one cancels the stripe's other fetches.</summary>
    public void Accept(int shardIndex, byte[] buffer)
    {
        _buffers[shardIndex] = buffer;
        _present[shardIndex] = true;
        Verified++;
        if (IsComplete)
        {
            _cancellation.Cancel();
        }
    }

    /// <summary>Views for the handler: every slot gets a buffer, the missing ones scratch space for reconstruction.</summary>
    public (Memory<byte>[] Shards, bool[] Present) Lend()
    {
        int length = Descriptor.ShardLength;
        var shards = new Memory<byte>[_buffers.Length];
        for (int i = 0; i < _buffers.Length; i++)
        {
            _buffers[i] ??= ArrayPool<byte>.Shared.Rent(length);
            shards[i] = _buffers[i].AsMemory(0, length);
        }
        return (shards, _present);
    }

    /// <summary>Returns the buffers and cancels the remaining fetches. The token source is disposed separately, once
    /// no fetch can still be observing it (<see cref="DisposeToken"/>).</summary>
    public void Release()
    {
        if (IsReleased)
        {
            return;
        }
        IsReleased = true;
        _cancellation.Cancel();
        for (int i = 0; i < _buffers.Length; i++)
        {
            if (_buffers[i] is { } buffer)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                _buffers[i] = null;
            }
        }
    }

    public void DisposeToken() => _cancellation.Dispose();
}
