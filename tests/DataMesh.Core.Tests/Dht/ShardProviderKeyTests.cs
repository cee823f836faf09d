using DataMesh.Core.Configuration;
using DataMesh.Core.Dht;
using DataMesh.Libp2p.Kad;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Storage.Addressing;
using IdentityKey = DataMesh.Libp2p.Identity.Identity;

namespace DataMesh.Core.Tests.Dht;

public sealed class ShardProviderKeyTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dm-shard-key-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void A_shard_is_announced_under_the_raw_cidv1_of_its_blake3_multihash()
    {
        ContentHash shard = ContentHash.Compute("shard bytes"u8);
        byte[] key = ShardProviderKey.Of(shard);
        Assert.Equal("01551e20" + Convert.ToHexStringLower(shard.ToArray()), Convert.ToHexStringLower(key));
        Cid cid = Cid.FromBytes(key);
        Assert.Equal(Cid.RawCodec, cid.Codec);
        Assert.Equal(Multihash.Blake3Code, cid.Multihash.Code);
        Assert.StartsWith("bafkr4i", cid.ToString(), StringComparison.Ordinal); // what js prints for a raw blake3 CID
    }

    [Fact]
    public void Only_the_bare_hash_of_older_nodes_is_upgraded()
    {
        ContentHash shard = ContentHash.Compute("shard bytes"u8);
        Assert.Equal(ShardProviderKey.Of(shard), ShardProviderKey.Upgrade(shard.ToArray()));
        Assert.Null(ShardProviderKey.Upgrade(ShardProviderKey.Of(shard)));
        Assert.Null(ShardProviderKey.Upgrade(ShardProviderKey.Of(shard).AsSpan(2))); // the bare multihash js sends
        Assert.Null(ShardProviderKey.Upgrade(Multihash.Sha2_256("text"u8).Bytes.Span));
    }

    [Fact]
    public void The_node_dht_reads_a_provider_store_persisted_with_bare_hashes()
    {
        ContentHash held = ContentHash.Compute("held"u8);
        ContentHash seen = ContentHash.Compute("announced by another node"u8);
        using var self = IdentityKey.Generate();
        using var other = IdentityKey.Generate();
        string directory = Path.Combine(_root, KadOptionsMapping.DataFolder, "providers");
        var before = new ProviderStore(new ProviderStoreOptions { Directory = directory });
        before.Add(held.ToArray(), self.PeerId, [], isLocal: true);
        before.Add(seen.ToArray(), other.PeerId, [], isLocal: false);

        KadOptions kad = new DataMeshOptions().ToKadOptions(_root, storageEnabled: true);
        var after = new ProviderStore(kad.ProviderStore with { Directory = directory });
        Assert.Equal(ShardProviderKey.Of(held), Assert.Single(after.LocalKeys())); // republished under the CID
        Assert.Equal(self.PeerId, Assert.Single(after.Get(ShardProviderKey.Of(held))).Provider);
        Assert.Equal(other.PeerId, Assert.Single(after.Get(ShardProviderKey.Of(seen))).Provider);
        Assert.Equal(other.PeerId, Assert.Single(after.Get(seen.ToArray())).Provider); // an older node asking
    }
}
