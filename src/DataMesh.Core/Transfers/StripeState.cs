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
    private readonly int[] _requestOrder;

    public StripeState(StripeDescriptor descriptor, CancellationToken operationToken)
    {
        Descriptor = descriptor;
        _buffers = new byte[descriptor.Shards.Count][];
        _present = new bool[descriptor.Shards.Count];
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(operationToken);
        Token = _cancellation.Token;
        // Known-zero data slots (padding at the end of a file) are present from the start and never requested.
        for (int slot = descriptor.StoredDataShards; slot < descriptor.DataShardCount; slot++)
        {
            byte[] zeros = ArrayPool<byte>.Shared.Rent(descriptor.ShardLength);
            Array.Clear(zeros, 0, descriptor.ShardLength);
            _buffers[slot] = zeros;
            _present[slot] = true;
            Verified++;
        }
        _requestOrder = [.. Enumerable.Range(0, descriptor.Shards.Count).Where(slot => !_present[slot])];
        Placement = _requestOrder.Length == 0 ? null : new StripePlacement([.. _requestOrder.Select(slot => descriptor.Shards[slot])]);
    }

    /// <summary>The stripe's stored shards as the uploader placed them, to find where each went.</summary>
    public StripePlacement? Placement { get; }

    public StripeDescriptor Descriptor { get; }
    public CancellationToken Token { get; }
    public List<string> Errors { get; } = [];
    public int Verified { get; private set; }
    public int InFlight { get; set; }
    /// <summary>Position in the request order (stored data shards first, then parity) of the next shard to ask for.</summary>
    public int NextShard { get; set; }
    public bool IsReleased { get; private set; }

    public bool IsComplete => Verified >= Descriptor.DataShardCount;

    public bool NeedsMoreRequests =>
        !IsComplete && Verified + InFlight < Descriptor.DataShardCount && NextShard < _requestOrder.Length;

    public bool CanStillComplete =>
        Verified + InFlight + (_requestOrder.Length - NextShard) >= Descriptor.DataShardCount;

    /// <summary>The slot of the next shard to request; advances the position.</summary>
    public int TakeNextShard() => _requestOrder[NextShard++];

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
