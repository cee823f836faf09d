using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Kad;
using DataMesh.Storage.Addressing;

namespace DataMesh.Core.Exchange;

/// <summary>Kademlia's metric between a peer and a shard (<see cref="KadKey"/>: XOR over SHA-256), so uploaders,
/// downloaders and the DHT all pick the same peers for a shard.</summary>
internal static class XorDistance
{
    public static KadKey KeyOf(ContentHash shard)
    {
        Span<byte> raw = stackalloc byte[ContentHash.Size];
        shard.WriteTo(raw);
        return KadKey.Hash(raw);
    }

    /// <summary>Orders peers by distance to <paramref name="target"/>, closest first.</summary>
    public static IEnumerable<PeerId> Closest(IEnumerable<PeerId> peers, KadKey target) =>
        peers.Select(p => (Peer: p, Key: KadDht.KeyOf(p)))
             .OrderBy(p => p.Key, Comparer<KadKey>.Create((a, b) => target.CompareDistance(a, b)))
             .Select(p => p.Peer);
}
