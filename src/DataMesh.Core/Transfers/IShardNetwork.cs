using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Transfers;

/// <summary>
/// What the transfer engine needs from the network, and nothing more: the chunk-exchange protocol over libp2p
/// implements it for real, tests implement it in memory. Implementations must honour cancellation promptly.
/// Every request to one peer goes through the transfer layer (<see cref="ConcurrentChunkManager"/>), which bounds it
/// with the per-peer timeout and records its outcome in the peer statistics.
/// </summary>
internal interface IShardNetwork
{
    /// <summary>The most shards one <see cref="HaveAsync"/> request may ask about (the chunk protocol's Have limit).</summary>
    const int MaxHaveQuery = 1024;

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

    /// <summary>Fetches a blob whose length is not known in advance (a manifest): at most <paramref name="maxLength"/>
    /// bytes, a longer answer refused before anything is allocated for it. The caller verifies the hash.</summary>
    /// <exception cref="ShardNotFoundException">The peer does not hold it.</exception>
    Task<byte[]> FetchBlobAsync(PeerId peer, ContentHash address, int maxLength, CancellationToken cancellationToken);

    /// <summary>Asks which of <paramref name="shards"/> (at most <see cref="MaxHaveQuery"/>) a peer holds; one answer per shard.</summary>
    Task<bool[]> HaveAsync(PeerId peer, IReadOnlyList<ContentHash> shards, CancellationToken cancellationToken);

    /// <summary>Asks a peer to delete a file (its manifest and the shards no other file it knows of needs), with the
    /// owner's signature; returns how many shards the peer deleted.</summary>
    /// <exception cref="PeerRefusedException">The peer refused (not the owner's signature, no delete support, not a storage node).</exception>
    Task<int> DeleteFileAsync(PeerId peer, ManifestAddress address, ReadOnlyMemory<byte> encodedManifest, ReadOnlyMemory<byte> signature,
        CancellationToken cancellationToken);
}
