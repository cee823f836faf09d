using System.Security.Cryptography;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Crypto;

namespace DataMesh.Core.Exchange;

/// <summary>Kademlia's metric between a peer and a shard: XOR of SHA-256(peer id bytes) and SHA-256(shard address),
/// compared as big-endian numbers. Used the same way by uploaders and downloaders, so both pick the same peers.</summary>
internal static class XorDistance
{
    public static byte[] KeyOf(PeerId peer) => SHA256.HashData(peer.Bytes.Span);

    public static byte[] KeyOf(ContentHash shard)
    {
        Span<byte> raw = stackalloc byte[ContentHash.Size];
        shard.WriteTo(raw);
        return SHA256.HashData(raw);
    }

    /// <summary>Orders peers by distance to <paramref name="target"/>, closest first.</summary>
    public static IEnumerable<PeerId> Closest(IEnumerable<PeerId> peers, byte[] target) =>
        peers.Select(p => (Peer: p, Key: KeyOf(p))).OrderBy(p => p.Key, new DistanceComparer(target)).Select(p => p.Peer);

    private sealed class DistanceComparer(byte[] target) : IComparer<byte[]>
    {
        public int Compare(byte[]? x, byte[]? y)
        {
            for (int i = 0; i < target.Length; i++)
            {
                int dx = x![i] ^ target[i];
                int dy = y![i] ^ target[i];
                if (dx != dy)
                {
                    return dx.CompareTo(dy);
                }
            }
            return 0;
        }
    }
}
