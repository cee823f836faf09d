using DataMesh.Libp2p.Noise;
using DataMesh.Libp2p.Tests.TestSupport;
using NSec.Cryptography;

namespace DataMesh.Libp2p.Tests.Noise;

/// <summary>
/// Checks the Noise core against the Noise_XX_25519_ChaChaPoly_SHA256 vector of the cacophony test suite (as shipped
/// with the snow and noise-c implementations): fixed keys, prologue "John Galt", handshake then transport messages.
/// </summary>
public class NoiseTestVectorTests
{
    private const string Prologue = "4a6f686e2047616c74";
    private const string InitStatic = "e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1";
    private const string InitEphemeral = "893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a";
    private const string RespStatic = "4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893";
    private const string RespEphemeral = "bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b";
    private const string HandshakeHash = "c8e5f64e846193be2a834104c2a009868d6c9f3bd3c186299888b488b2f1f58e";

    private static readonly (string Payload, string Ciphertext)[] Messages =
    [
        ("4c756477696720766f6e204d69736573", "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573"),
        ("4d757272617920526f746862617264", "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f14480884381cbad1f276e038c48378ffce2b65285e08d6b68aaa3629a5a8639392490e5b9bd5269c2f1e4f488ed8831161f19b7815528f8982ffe09be9b5c412f8a0db50f8814c7194e83f23dbd8d162c9326ad"),
        ("462e20412e20486179656b", "c7195ffacac1307ff99046f219750fc47693e23c3cb08b89c2af808b444850a80ae475b9df0f169ae80a89be0865b57f58c9fea0d4ec82a286427402f113e4b6ae769a1d95941d49b25030"),
        ("4361726c204d656e676572", "96763ed773f8e47bb3712f0e29b3060ffc956ffc146cee53d5e1df"),
        ("4a65616e2d426170746973746520536179", "3e40f15f6f3a46ae446b253bf8b1d9ffb6ed9b174d272328ff91a7e2e5c79c07f5"),
    ];

    [Fact]
    public void Handshake_and_transport_match_the_cacophony_vector()
    {
        using var initStatic = Import(InitStatic);
        using var respStatic = Import(RespStatic);
        using var initiator = new NoiseXxHandshakeState(true, Hex.Bytes(Prologue), initStatic, () => Import(InitEphemeral));
        using var responder = new NoiseXxHandshakeState(false, Hex.Bytes(Prologue), respStatic, () => Import(RespEphemeral));

        var buffer = new byte[1024];
        var payload = new byte[1024];
        for (var i = 0; i < 3; i++)
        {
            var (writer, reader) = i % 2 == 0 ? (initiator, responder) : (responder, initiator);
            var length = writer.WriteMessage(Hex.Bytes(Messages[i].Payload), buffer);
            Assert.Equal(Messages[i].Ciphertext, Hex.Of(buffer.AsSpan(0, length)));
            var payloadLength = reader.ReadMessage(buffer.AsSpan(0, length), payload);
            Assert.Equal(Messages[i].Payload, Hex.Of(payload.AsSpan(0, payloadLength)));
        }
        Assert.Equal(HandshakeHash, Hex.Of(initiator.HandshakeHash));
        Assert.Equal(HandshakeHash, Hex.Of(responder.HandshakeHash));

        var (i2r, r2i) = initiator.Split();
        var (ri2r, rr2i) = responder.Split();
        using (i2r)
        using (r2i)
        using (ri2r)
        using (rr2i)
        {
            // Transport messages keep alternating: message 3 goes responder → initiator, message 4 the other way.
            for (var i = 3; i < Messages.Length; i++)
            {
                var (sender, receiver) = i % 2 == 1 ? (rr2i, r2i) : (i2r, ri2r);
                var plaintext = Hex.Bytes(Messages[i].Payload);
                var length = sender.Encrypt(plaintext, buffer);
                Assert.Equal(Messages[i].Ciphertext, Hex.Of(buffer.AsSpan(0, length)));
                Assert.True(receiver.TryDecrypt(buffer.AsSpan(0, length), payload));
                Assert.Equal(plaintext, payload.AsSpan(0, plaintext.Length).ToArray());
            }
        }
    }

    private static Key Import(string hex) =>
        Key.Import(KeyAgreementAlgorithm.X25519, Hex.Bytes(hex), KeyBlobFormat.RawPrivateKey);
}
