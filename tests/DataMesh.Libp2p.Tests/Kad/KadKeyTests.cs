using System.Security.Cryptography;
using DataMesh.Libp2p.Kad;

namespace DataMesh.Libp2p.Tests.Kad;

public sealed class KadKeyTests
{
    [Fact]
    public void HashIsSha256AndRoundTrips()
    {
        byte[] data = "/dm/some/key"u8.ToArray();
        KadKey key = KadKey.Hash(data);
        Assert.Equal(SHA256.HashData(data), key.ToArray());
        Assert.Equal(key, KadKey.FromDigest(key.ToArray()));
    }

    [Fact]
    public void XorDistanceOrdersByLeadingBits()
    {
        var zero = KadKey.FromDigest(new byte[32]);
        byte[] near = new byte[32];
        near[31] = 1;
        byte[] far = new byte[32];
        far[0] = 0x80;
        Assert.True(zero.CompareDistance(KadKey.FromDigest(near), KadKey.FromDigest(far)) < 0);
        Assert.Equal(255, zero.CommonPrefixLength(KadKey.FromDigest(near)));
        Assert.Equal(0, zero.CommonPrefixLength(KadKey.FromDigest(far)));
        Assert.Equal(256, zero.CommonPrefixLength(zero));
        Assert.Equal(zero, KadKey.FromDigest(far).Xor(KadKey.FromDigest(far)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(200)]
    [InlineData(255)]
    public void RandomWithCommonPrefixHasExactlyThatPrefix(int prefix)
    {
        KadKey local = KadKey.Hash("local"u8);
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(prefix, local.CommonPrefixLength(local.RandomWithCommonPrefix(prefix)));
        }
    }

    [Fact]
    public void FromDigestRefusesWrongLength() =>
        Assert.Throws<ArgumentException>(() => KadKey.FromDigest(new byte[31]));
}
