using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Tests.TestSupport;

namespace DataMesh.Libp2p.Tests.Identity;

public class PeerIdTests
{
    [Fact]
    public void Spec_examples_parse_and_the_cid_form_names_the_same_peer()
    {
        var legacy = PeerId.Parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
        var cid = PeerId.Parse("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");
        Assert.Equal(legacy, cid);
        Assert.Equal("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N", cid.ToString());
        Assert.Equal("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe", legacy.ToCidString());
        Assert.False(legacy.TryGetPublicKey(out _));
    }

    [Fact]
    public void Ed25519_identity_peer_id_inlines_the_key()
    {
        var peer = PeerId.Parse("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA");
        Assert.True(peer.TryGetPublicKey(out var key));
        Assert.IsType<Ed25519PublicKey>(key);
        Assert.Equal(peer, PeerId.FromPublicKey(key!));
        Assert.True(peer.Matches(key!));
        Assert.Equal(peer, PeerId.Parse(peer.ToCidString()));
        Assert.Equal(peer, PeerId.FromBytes(peer.Bytes.Span));
    }

    [Fact]
    public void Spec_ed25519_key_gives_an_identity_multihash_peer_id()
    {
        var key = PublicKey.FromProtobuf(Hex.Bytes("080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e"));
        var peer = PeerId.FromPublicKey(key);
        Assert.Equal("0024080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e", Hex.Of(peer.Bytes.Span));
        Assert.StartsWith("12D3KooW", peer.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5")]      // truncated digest
    [InlineData("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N0")]    // '0' is not base58
    [InlineData("bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi")] // CID with dag-pb codec
    [InlineData("xyz")]
    [InlineData("b")]
    public void Rejects_invalid_peer_ids(string text)
    {
        Assert.Throws<InvalidPeerIdException>(() => PeerId.Parse(text));
        Assert.False(PeerId.TryParse(text, out _));
    }

    [Fact]
    public void Rejects_a_blake3_multihash()
    {
        byte[] bytes = Multihash.FromDigest(Multihash.Blake3Code, new byte[32]).Bytes.ToArray();
        Assert.Throws<InvalidPeerIdException>(() => PeerId.FromBytes(bytes));
    }

    [Fact]
    public void Rejects_oversized_identity_multihash()
    {
        var bytes = new byte[2 + 43];
        bytes[1] = 43;
        Assert.Throws<InvalidPeerIdException>(() => PeerId.FromBytes(bytes));
    }

    [Fact]
    public void Equality_and_ordering_follow_the_bytes()
    {
        using var a = Libp2p.Identity.Identity.Generate();
        using var b = Libp2p.Identity.Identity.Generate();
        var a2 = PeerId.Parse(a.PeerId.ToString());
        Assert.Equal(a.PeerId, a2);
        Assert.True(a.PeerId == a2);
        Assert.Equal(a.PeerId.GetHashCode(), a2.GetHashCode());
        Assert.NotEqual(a.PeerId, b.PeerId);
        Assert.Equal(0, a.PeerId.CompareTo(a2));
        Assert.Equal(-a.PeerId.CompareTo(b.PeerId), b.PeerId.CompareTo(a.PeerId));
    }
}
