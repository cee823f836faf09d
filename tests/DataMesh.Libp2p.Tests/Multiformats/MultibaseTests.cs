using System.Text;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Tests.Multiformats;

public class MultibaseTests
{
    // multiformats/multibase test vectors for "yes mani !".
    [Theory]
    [InlineData(nameof(MultibaseEncoding.Base58Btc), "z7paNL19xttacUY")]
    [InlineData(nameof(MultibaseEncoding.Base32Lower), "bpfsxgidnmfxgsibb")]
    [InlineData(nameof(MultibaseEncoding.Base32Upper), "BPFSXGIDNMFXGSIBB")]
    [InlineData(nameof(MultibaseEncoding.Base16Lower), "f796573206d616e692021")]
    [InlineData(nameof(MultibaseEncoding.Base16Upper), "F796573206D616E692021")]
    [InlineData(nameof(MultibaseEncoding.Base64), "meWVzIG1hbmkgIQ")]
    [InlineData(nameof(MultibaseEncoding.Base64Url), "ueWVzIG1hbmkgIQ")]
    public void Round_trips_spec_vectors(string encodingName, string text)
    {
        var encoding = Enum.Parse<MultibaseEncoding>(encodingName);
        var data = Encoding.ASCII.GetBytes("yes mani !");
        Assert.Equal(text, Multibase.Encode(encoding, data));
        Assert.Equal(data, Multibase.Decode(text, out var detected));
        Assert.Equal(encoding, detected);
    }

    [Fact]
    public void Base58_keeps_leading_zero_bytes()
    {
        byte[] data = [0, 0, 1, 2];
        var text = Base58.Encode(data);
        Assert.StartsWith("11", text, StringComparison.Ordinal);
        Assert.Equal(data, Base58.Decode(text));
        Assert.Equal("", Base58.Encode([]));
        Assert.Empty(Base58.Decode(""));
    }

    [Theory]
    [InlineData("z0OIl")]
    [InlineData("b1")]
    [InlineData("bPF")]
    [InlineData("fzz")]
    [InlineData("f123")]
    [InlineData("meWVzIG1hbmkgIQ==")]
    [InlineData("q123")]
    [InlineData("")]
    public void Rejects_bad_input(string text) => Assert.Throws<MultibaseFormatException>(() => Multibase.Decode(text));

    [Fact]
    public void Random_data_round_trips_through_every_encoding()
    {
        var random = new Random(7);
        foreach (var encoding in Enum.GetValues<MultibaseEncoding>())
        {
            for (var length = 0; length < 40; length++)
            {
                var data = new byte[length];
                random.NextBytes(data);
                Assert.Equal(data, Multibase.Decode(Multibase.Encode(encoding, data)));
            }
        }
    }
}
