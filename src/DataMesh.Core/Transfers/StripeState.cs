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
    private readonly bool[] _requested;

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
        _requested = new bool[descriptor.Shards.Count];
        Placement = _requestOrder.Length == 0 ? null : new StripePlacement([.. _requestOrder.Select(slot => descriptor.Shards[slot])]);
    }

    /// <summary>The stripe's stored shards as the uploader placed them, to find where each went.</summary>
    public StripePlacement? Placement { get; }

    public StripeDescriptor Descriptor { get; }
    public CancellationToken Token { get; }
    public List<string> Errors { get; } = [];
    /// <summary>One short reason per entry of <see cref="Errors"/>, without shard addresses, for a summary.</summary>
    public List<string> Reasons { get; } = [];
    public int Verified { get; private set; }
    public int InFlight { get; set; }
    /// <summary>How many of the stored shards have been requested (each at most once).</summary>
    public int Requested { get; private set; }
    public bool IsReleased { get; private set; }

    public bool IsComplete => Verified >= Descriptor.DataShardCount;

    public bool NeedsMoreRequests =>
        !IsComplete && Verified + InFlight < Descriptor.DataShardCount && Requested < _requestOrder.Length;

    public bool CanStillComplete =>
        Verified + InFlight + (_requestOrder.Length - Requested) >= Descriptor.DataShardCount;

    /// <summary>Slots not requested yet, in request order (stored data shards first, then parity).</summary>
    public IEnumerable<int> UnrequestedSlots => _requestOrder.Where(slot => !_requested[slot]);

    /// <summary>Marks <paramref name="slot"/> (one not requested yet) requested and returns it.</summary>
    public int Take(int slot)
    {
        if (_requested[slot] || _present[slot])
        {
            throw new InvalidOperationException($"Shard slot {slot} of stripe {Descriptor.Index} is not waiting for a request.");
        }
        _requested[slot] = true;
        Requested++;
        return slot;
    }

    /// <summary>The peers that served the accepted shards, one entry per shard.</summary>
    public List<Libp2p.Identity.PeerId> ServedBy { get; } = [];

    /// <summary>Accepted shards that are parity (a data shard could not be fetched).</summary>
    public int ParityUsed { get; private set; }

    /// <summary>Hedges fired and retry rounds taken by the accepted shards.</summary>
    public int Hedges { get; private set; }

    public int Retries { get; private set; }

    /// <summary>Takes a verified shard: its buffer (see <see cref="Accept(int, byte[])"/>) and who served it how.</summary>
    public void Accept(int shardIndex, FetchedShard fetched)
    {
        ServedBy.Add(fetched.Peer);
        Hedges += fetched.Hedges;
        Retries += fetched.Retries;
        if (shardIndex >= Descriptor.DataShardCount)
        {
            ParityUsed++;
        }
        Accept(shardIndex, fetched.Buffer);
    }

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
