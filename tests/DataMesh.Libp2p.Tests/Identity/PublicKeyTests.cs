using System.Security.Cryptography;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Tests.TestSupport;

namespace DataMesh.Libp2p.Tests.Identity;

public class PublicKeyTests
{
    // Test vectors from libp2p/specs peer-ids/peer-ids.md.
    private const string Ed25519Private = "080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
    private const string Ed25519Public = "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
    private const string Secp256k1Private = "0802122053DADF1D5A164D6B4ACDB15E24AA4C5B1D3461BDBD42ABEDB0A4404D56CED8FB";
    private const string Secp256k1Public = "08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99";
    private const string EcdsaPublic = "0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004de3d300fa36ae0e8f5d530899d83abab44abf3161f162a4bc901d8e6ecda020e8b6d5f8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e62";

    [Fact]
    public void Ed25519_spec_private_key_yields_the_spec_public_key()
    {
        using var identity = Libp2p.Identity.Identity.FromPrivateKeyProtobuf(Hex.Bytes(Ed25519Private));
        Assert.Equal(Ed25519Public, Hex.Of(identity.PublicKey.ToProtobuf()));
        Assert.Equal(Ed25519Private, Hex.Of(identity.ExportPrivateKeyProtobuf()));
        var decoded = PublicKey.FromProtobuf(Hex.Bytes(Ed25519Public));
        Assert.IsType<Ed25519PublicKey>(decoded);
        Assert.Equal(identity.PublicKey, decoded);
        Assert.Equal(Ed25519Public, Hex.Of(decoded.ToProtobuf()));
    }

    [Fact]
    public void Secp256k1_spec_private_key_yields_the_spec_public_key()
    {
        // Derive the public point from the spec private scalar with the platform, then compare with our decoding
        // of the spec's compressed public key (which exercises point decompression).
        var data = Hex.Bytes(Secp256k1Private)[4..];
        using var ecdsa = ECDsa.Create(new ECParameters { Curve = ECCurve.CreateFromFriendlyName("secp256k1"), D = data });
        using var signer = new Secp256k1Signer(ecdsa);
        Assert.Equal(Secp256k1Public, Hex.Of(signer.PublicKey.ToProtobuf()));

        var decoded = Assert.IsType<Secp256k1PublicKey>(PublicKey.FromProtobuf(Hex.Bytes(Secp256k1Public)));
        var message = "hello"u8.ToArray();
        var signature = signer.Sign(message);
        Assert.True(decoded.Verify(message, signature));
        Assert.False(decoded.Verify("hellO"u8, signature));
        Assert.False(decoded.Verify(message, signature.AsSpan(1)));
        Assert.StartsWith("16Uiu2", PeerId.FromPublicKey(decoded).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Secp256k1_decompression_handles_both_parities()
    {
        for (var i = 0; i < 8; i++)
        {
            using var signer = new Secp256k1Signer();
            var roundTripped = PublicKey.FromProtobuf(signer.PublicKey.ToProtobuf());
            Assert.True(roundTripped.Verify("x"u8, signer.Sign("x"u8)));
        }
    }

    [Fact]
    public void Ed25519_signatures_verify()
    {
        using var identity = Libp2p.Identity.Identity.Generate();
        var signature = identity.Sign("data"u8);
        Assert.Equal(64, signature.Length);
        Assert.True(identity.PublicKey.Verify("data"u8, signature));
        Assert.False(identity.PublicKey.Verify("datA"u8, signature));
        Assert.False(identity.PublicKey.Verify("data"u8, signature.AsSpan(0, 63)));
    }

    [Fact]
    public void Ecdsa_and_rsa_keys_are_unsupported_with_a_clear_message()
    {
        var ex = Assert.Throws<UnsupportedKeyTypeException>(() => PublicKey.FromProtobuf(Hex.Bytes(EcdsaPublic)));
        Assert.Contains("Ecdsa", ex.Message, StringComparison.Ordinal);
        Assert.Throws<UnsupportedKeyTypeException>(() => PublicKey.FromProtobuf(Hex.Bytes("080012020000")));
    }

    [Theory]
    [InlineData("0801")]                           // missing Data
    [InlineData("1220" + "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e")] // missing Type
    [InlineData("0801121f" + "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce2")] // 31-byte Ed25519
    [InlineData("08021221047777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99")] // bad prefix
    [InlineData("0802122102ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")] // x >= p
    [InlineData("0809120100")]                     // unknown key type
    [InlineData("080112ff")]                       // truncated
    public void Malformed_keys_are_rejected(string hex) =>
        Assert.Throws<InvalidKeyException>(() => PublicKey.FromProtobuf(Hex.Bytes(hex)));

    [Fact]
    public void Private_key_forms_are_accepted_and_checked()
    {
        var full = Hex.Bytes(Ed25519Private);
        var seedOnly = Hex.Bytes("08011220" + Ed25519Private[8..72]);
        using (var fromSeed = Libp2p.Identity.Identity.FromPrivateKeyProtobuf(seedOnly))
        {
            Assert.Equal(Ed25519Public, Hex.Of(fromSeed.PublicKey.ToProtobuf()));
        }
        var legacy = Hex.Bytes("08011260" + Ed25519Private[8..] + Ed25519Private[72..]);
        using (var fromLegacy = Libp2p.Identity.Identity.FromPrivateKeyProtobuf(legacy))
        {
            Assert.Equal(Ed25519Public, Hex.Of(fromLegacy.PublicKey.ToProtobuf()));
        }
        full[^1] ^= 1;
        Assert.Throws<InvalidKeyException>(() => Libp2p.Identity.Identity.FromPrivateKeyProtobuf(full));
        Assert.Throws<UnsupportedKeyTypeException>(() => Libp2p.Identity.Identity.FromPrivateKeyProtobuf(Hex.Bytes(Secp256k1Private)));
    }
}
