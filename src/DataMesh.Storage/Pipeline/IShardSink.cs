using DataMesh.Storage.Addressing;

namespace DataMesh.Storage.Pipeline;

/// <summary>Where the encoder hands finished shards: a local chunk store, or the node's uploader.</summary>
public interface IShardSink
{
    /// <summary>Takes one shard. <paramref name="shard"/> is only valid until the returned task completes: copy or
    /// persist it before then. <paramref name="address"/> is its BLAKE3-256, already computed by the encoder.
    /// Several calls may run at once (shards of one stripe are handed over concurrently).</summary>
    /// <param name="stripe">Stripe number in the file.</param>
    /// <param name="index">Slot in the stripe: 0..k-1 data, k..k+m-1 parity.</param>
    ValueTask PutShardAsync(ContentHash address, ReadOnlyMemory<byte> shard, long stripe, int index, CancellationToken cancellationToken);
}

/// <summary>A sink that wants to know a stripe's shards before any of them is handed over: the node's uploader places
/// a stripe's shards together and journals them so an interrupted upload can resume.</summary>
public interface IStripeShardSink : IShardSink
{
    /// <summary>Called once per stripe, after its shards are encoded and before the first <see cref="IShardSink.PutShardAsync"/>
    /// of the stripe; the puts wait for it. Throwing aborts the encode.</summary>
    /// <param name="stripe">Stripe number in the file.</param>
    /// <param name="shards">Addresses of all k+m slots (data, then parity).</param>
    /// <param name="storedDataShards">Data slots that hold a chunk; the slots from here to k are zero padding that is
    /// never stored or handed over.</param>
    ValueTask StripeEncodedAsync(long stripe, IReadOnlyList<ContentHash> shards, int storedDataShards, CancellationToken cancellationToken);
}
