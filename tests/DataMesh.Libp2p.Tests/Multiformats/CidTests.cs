using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Tests.TestSupport;

namespace DataMesh.Libp2p.Tests.Multiformats;

public class CidTests
{
    private static readonly byte[] Digest = Enumerable.Repeat((byte)7, 32).ToArray();

    [Fact]
    public void Raw_blake3_cid_matches_what_js_multiformats_builds()
    {
        // js: CID.createV1(0x55, Digest.create(0x1e, new Uint8Array(32).fill(7))) with multiformats 14.0.5.
        Cid cid = Cid.V1(Cid.RawCodec, Multihash.FromDigest(Multihash.Blake3Code, Digest));
        Assert.Equal("01551e20" + Hex.Of(Digest), Hex.Of(cid.Bytes.Span));
        Assert.Equal("bafkr4iaha4dqobyha4dqobyha4dqobyha4dqobyha4dqobyha4dqobyha4", cid.ToString());
        Cid parsed = Cid.FromBytes(cid.Bytes.Span);
        Assert.Equal(cid, parsed);
        Assert.Equal(Cid.RawCodec, parsed.Codec);
        Assert.Equal(Multihash.Blake3Code, parsed.Multihash.Code);
        Assert.Equal(Digest, parsed.Multihash.Digest.ToArray());
    }

    [Theory]
    [InlineData("1e20" + "0707070707070707070707070707070707070707070707070707070707070707")]   // a bare multihash
    [InlineData("1220" + "0707070707070707070707070707070707070707070707070707070707070707")]   // CIDv0
    [InlineData("02551e20" + "0707070707070707070707070707070707070707070707070707070707070707")] // version 2
    [InlineData("01551e20" + "07070707")]                                                          // truncated digest
    [InlineData("01551e20" + "0707070707070707070707070707070707070707070707070707070707070707" + "00")] // trailing byte
    [InlineData("0155")]                                                                           // no multihash
    public void Rejects_what_is_not_a_binary_cidv1(string hex)
    {
        Assert.Throws<CidFormatException>(() => Cid.FromBytes(Hex.Bytes(hex)));
        Assert.False(Cid.TryFromBytes(Hex.Bytes(hex), out _));
    }
}
