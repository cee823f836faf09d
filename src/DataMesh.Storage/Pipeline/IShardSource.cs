using System.Buffers;
using DataMesh.Storage.Addressing;

namespace DataMesh.Storage.Pipeline;

/// <summary>Where the decoder fetches shards from: a local chunk store, or the node's downloader.</summary>
internal interface IShardSource
{
    /// <summary>Fetches one shard, or returns null when it cannot be had (missing, unreachable, known bad). The
    /// returned owner's <see cref="IMemoryOwner{T}.Memory"/> must be exactly the shard's bytes; the decoder takes
    /// ownership, verifies the bytes against <paramref name="address"/> itself (a source need not be trusted) and
    /// disposes it. Several calls may run at once.</summary>
    /// <param name="stripe">Stripe number in the file, for sources that fetch by position.</param>
    /// <param name="index">Slot in the stripe: 0..k-1 data, k..k+m-1 parity.</param>
    ValueTask<IMemoryOwner<byte>?> TryGetShardAsync(ContentHash address, long stripe, int index, CancellationToken cancellationToken);
}

/// <summary>Marks a source that already verified every shard it returns against the address asked for (the chunk
/// store verifies on every read), so the decoder can skip hashing it a second time. Internal: only sources in this
/// assembly can vouch for that.</summary>
internal interface IVerifiedShardSource;
