using DataMesh.Storage.Addressing;
using DataMesh.Storage.Manifests;

namespace DataMesh.Storage.Tests.Manifests;

public class ManifestAddressTests
{
    [Fact]
    public void Text_form_round_trips()
    {
        var address = ManifestAddress.Compute("manifest bytes"u8);
        string text = address.ToString();
        Assert.StartsWith("dm1", text);
        Assert.Equal(61, text.Length);
        Assert.Equal(address, ManifestAddress.Parse(text));
        Assert.Equal(address, ManifestAddress.Parse(" " + text.ToUpperInvariant() + " "));
        Assert.True(ManifestAddress.TryParse(text, out var parsed));
        Assert.Equal(address, parsed);
        Assert.Equal(ContentHash.Compute("manifest bytes"u8), address.Hash);
    }

    [Fact]
    public void Typos_and_wrong_kinds_get_clear_errors()
    {
        string text = ManifestAddress.Compute("x"u8).ToString();
        char replacement = text[30] == 'a' ? 'b' : 'a';
        string typo = text[..30] + replacement + text[31..];
        Assert.Contains("checksum", Assert.Throws<InvalidManifestAddressException>(() => ManifestAddress.Parse(typo)).Message);
        Assert.Contains("lost or added", Assert.Throws<InvalidManifestAddressException>(() => ManifestAddress.Parse(text[..^2])).Message);
        Assert.Contains("public identity", Assert.Throws<InvalidManifestAddressException>(() => ManifestAddress.Parse("dmid1" + text[3..])).Message);
        Assert.Contains("'1' at position 10", Assert.Throws<InvalidManifestAddressException>(() => ManifestAddress.Parse(text[..9] + "1" + text[10..])).Message);
        Assert.Contains("empty", Assert.Throws<InvalidManifestAddressException>(() => ManifestAddress.Parse("")).Message);
        Assert.False(ManifestAddress.TryParse(typo, out _));
        Assert.False(ManifestAddress.TryParse(null, out _));
    }
}
