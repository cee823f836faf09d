using DataMesh.Libp2p.Multiformats;
using DataMesh.Storage.Addressing;

namespace DataMesh.Core.Dht;

/// <summary>The DHT provider key of a shard: the binary CIDv1 of raw content (codec 0x55) whose multihash is the
/// shard's BLAKE3-256 address (code 0x1e, 32 bytes), the form libp2p kad-dht implementations accept in ADD_PROVIDER
/// and GET_PROVIDERS. Older nodes used the bare 32-byte hash; <see cref="Upgrade"/> maps that form to this one.</summary>
internal static class ShardProviderKey
{
    /// <summary>The key of <paramref name="shard"/>: 0x01 0x55 0x1e 0x20 and the 32-byte hash.</summary>
    public static byte[] Of(ContentHash shard)
    {
        Span<byte> digest = stackalloc byte[ContentHash.Size];
        shard.WriteTo(digest);
        return Cid.V1(Cid.RawCodec, Multihash.FromDigest(Multihash.Blake3Code, digest)).Bytes.ToArray();
    }

    /// <summary>The current key for a key of the older form (a bare 32-byte hash, which no current key is: a CID or a
    /// multihash of the hash is longer); null for any other key. Installed as the provider store's key upgrade, so
    /// records persisted by an older version and requests from older nodes meet the current records.</summary>
    public static byte[]? Upgrade(ReadOnlySpan<byte> key) =>
        key.Length == ContentHash.Size ? Of(ContentHash.FromBytes(key)) : null;
}
