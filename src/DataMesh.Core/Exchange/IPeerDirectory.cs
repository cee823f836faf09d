using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;

namespace DataMesh.Core.Exchange;

/// <summary>Where shards live: the storage peers closest to a shard's address (Kademlia's placement rule) and the
/// peers known to hold it. The DHT implements it at scale; <see cref="ConnectedPeerDirectory"/> serves a mesh whose
/// storage peers are all connected.</summary>
internal interface IPeerDirectory
{
    /// <summary>Storage peers ordered by XOR distance from the shard's address, closest first, at most <paramref name="count"/>.</summary>
    ValueTask<IReadOnlyList<PeerId>> FindClosestStoragePeersAsync(ContentHash shard, int count, CancellationToken cancellationToken);

    /// <summary>Peers that announced they hold the shard (provider records); may be empty.</summary>
    ValueTask<IReadOnlyList<PeerId>> FindProvidersAsync(ContentHash shard, CancellationToken cancellationToken);
}
