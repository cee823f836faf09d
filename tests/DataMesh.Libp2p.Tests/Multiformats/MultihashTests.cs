using System.Text;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Tests.TestSupport;

namespace DataMesh.Libp2p.Tests.Multiformats;

public class MultihashTests
{
    [Fact]
    public void Sha2_256_of_known_input_matches_the_multihash_spec_example()
    {
        // multiformats/multihash README: sha2-256 of "Merkle–Damgård".
        var multihash = Multihash.Sha2_256(Encoding.UTF8.GetBytes("Merkle–Damgård"));
        Assert.Equal("122041dd7b6443542e75701aa98a0c235951a28a0d851b11564d20022ab11d2589a8", Hex.Of(multihash.Bytes.Span));
        Assert.Equal(multihash, Multihash.FromBytes(multihash.Bytes.Span));
    }

    [Fact]
    public void Identity_inlines_the_data()
    {
        var multihash = Multihash.Identity([1, 2, 3]);
        Assert.Equal("0003010203", Hex.Of(multihash.Bytes.Span));
        Assert.Equal(Multihash.IdentityCode, multihash.Code);
        Assert.Equal(new byte[] { 1, 2, 3 }, multihash.Digest.ToArray());
    }

    [Fact]
    public void Blake3_wraps_a_digest_computed_elsewhere()
    {
        byte[] digest = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var multihash = Multihash.FromDigest(Multihash.Blake3Code, digest);
        Assert.Equal("1e20" + Hex.Of(digest), Hex.Of(multihash.Bytes.Span));
        Assert.Equal(multihash, Multihash.FromBytes(multihash.Bytes.Span));
        Assert.Throws<MultihashFormatException>(() => Multihash.FromDigest(Multihash.Blake3Code, digest.AsSpan(0, 16)));
        Assert.Throws<MultihashFormatException>(() => Multihash.FromDigest(0x13, digest));
    }

    [Theory]
    [InlineData("1e10" + "00112233445566778899aabbccddeeff")] // blake3 with a 16-byte digest
    [InlineData("1220aa")]            // truncated digest
    [InlineData("1210" + "00112233445566778899aabbccddeeff")] // sha2-256 with 16-byte digest
    [InlineData("1314" + "0011223344556677889900112233445566778899")] // unsupported sha2-512 code
    [InlineData("00")]                // missing length
    [InlineData("000100ff")]          // trailing byte
    public void Rejects_malformed_multihashes(string hex) =>
        Assert.Throws<MultihashFormatException>(() => Multihash.FromBytes(Hex.Bytes(hex)));
}
