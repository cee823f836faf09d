using DataMesh.Libp2p.Kad;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Tests.Kad;

public class ProviderKeyTests
{
    private static readonly Multihash Blake3 = Multihash.FromDigest(Multihash.Blake3Code, Enumerable.Range(0, 32).Select(i => (byte)(i * 3)).ToArray());

    [Fact]
    public void A_cid_and_its_bare_multihash_are_one_content_placed_by_the_sha256_of_the_multihash()
    {
        byte[] cid = Cid.V1(Cid.RawCodec, Blake3).Bytes.ToArray();
        byte[] multihash = Blake3.Bytes.ToArray();
        Assert.Equal(multihash, ProviderKey.Content(cid).ToArray());
        Assert.Equal(multihash, ProviderKey.Content(multihash).ToArray());
        // js kad-dht and go place provider records at SHA-256 of the multihash bytes, not of the CID bytes.
        Assert.Equal(KadKey.Hash(multihash), ProviderKey.Position(cid));
        Assert.Equal(KadKey.Hash(multihash), ProviderKey.Position(multihash));
        Assert.NotEqual(KadKey.Hash(cid), ProviderKey.Position(cid));
    }

    [Fact]
    public void Other_keys_stand_for_themselves()
    {
        byte[] opaque = Enumerable.Repeat((byte)0xAB, 32).ToArray();
        Assert.Equal(opaque, ProviderKey.Content(opaque).ToArray());
        Assert.Equal(KadKey.Hash(opaque), ProviderKey.Position(opaque));
        byte[] version2 = [2, .. Cid.V1(Cid.RawCodec, Blake3).Bytes.Span[1..]];
        Assert.Equal(version2, ProviderKey.Content(version2).ToArray());
    }

    [Fact]
    public void The_cid_form_is_preferred_over_a_bare_multihash()
    {
        byte[] cid = Cid.V1(Cid.RawCodec, Blake3).Bytes.ToArray();
        byte[] multihash = Blake3.Bytes.ToArray();
        Assert.True(ProviderKey.IsPreferredForm(cid, multihash));
        Assert.False(ProviderKey.IsPreferredForm(multihash, cid));
        Assert.False(ProviderKey.IsPreferredForm(cid, cid));
    }
}
