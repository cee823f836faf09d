using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;

namespace DataMesh.Core.Transfers;

/// <summary>
/// What the transfer engine needs from the network, and nothing more: the chunk-exchange protocol over libp2p
/// implements it for real, tests implement it in memory. Implementations must honour cancellation promptly.
/// </summary>
public interface IShardNetwork
{
    /// <summary>Candidate holders of a shard (provider records), unordered; the manager ranks them.</summary>
    ValueTask<IReadOnlyList<PeerId>> FindHoldersAsync(ContentHash shard, CancellationToken cancellationToken);

    /// <summary>Storage peers to place a new shard on (closest by XOR to its address), at least <paramref name="count"/> if possible.</summary>
    ValueTask<IReadOnlyList<PeerId>> FindPlacementPeersAsync(ContentHash shard, int count, CancellationToken cancellationToken);

    /// <summary>Stores a shard; completes only when the peer acknowledged it.</summary>
    /// <exception cref="ShardRejectedException">The peer refused (over quota, too large, hash mismatch).</exception>
    Task StoreShardAsync(PeerId peer, ContentHash shard, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Fetches a shard into <paramref name="destination"/> (its length is the expected shard length); returns the bytes written.</summary>
    /// <exception cref="ShardNotFoundException">The peer does not hold the shard.</exception>
    Task<int> FetchShardAsync(PeerId peer, ContentHash shard, Memory<byte> destination, CancellationToken cancellationToken);
}
