using DataMesh.Storage.Crypto;

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
