using System.Buffers;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Noise;
using DataMesh.Libp2p.Tests.TestSupport;

namespace DataMesh.Libp2p.Tests.Noise;

public sealed class NoiseHandshakeTests : IDisposable
{
    private readonly Libp2p.Identity.Identity _alice = Libp2p.Identity.Identity.Generate();
    private readonly Libp2p.Identity.Identity _bob = Libp2p.Identity.Identity.Generate();

    public void Dispose()
    {
        _alice.Dispose();
        _bob.Dispose();
    }

    [Fact]
    public void Completes_xx_and_yields_matching_ciphers_and_identities()
    {
        using var initiator = new NoiseHandshake(isInitiator: true, _alice);
        using var responder = new NoiseHandshake(isInitiator: false, _bob);
        Assert.True(initiator.IsMyTurnToWrite);
        Assert.False(responder.IsMyTurnToWrite);

        var m1 = Write(initiator);
        Assert.Equal(32, m1.Length); // e only, empty payload
        responder.ReadMessage(m1);
        var m2 = Write(responder);
        initiator.ReadMessage(m2);
        Assert.Equal(_bob.PeerId, initiator.RemotePeer);
        var m3 = Write(initiator);
        responder.ReadMessage(m3);
        Assert.True(initiator.IsCompleted && responder.IsCompleted);

        using var a = initiator.GetResult();
        using var b = responder.GetResult();
        Assert.Equal(_bob.PeerId, a.RemotePeer);
        Assert.Equal(_alice.PeerId, b.RemotePeer);
        Assert.Equal(_alice.PublicKey, b.RemoteIdentityKey);
        Assert.Equal(a.HandshakeHash.ToArray(), b.HandshakeHash.ToArray());

        AssertPair(a.Sender, b.Receiver);
        AssertPair(b.Sender, a.Receiver);
    }

    [Fact]
    public void Message_two_carries_the_responder_identity_and_message_three_the_initiators()
    {
        using var initiator = new NoiseHandshake(true, _alice);
        using var responder = new NoiseHandshake(false, _bob);
        responder.ReadMessage(Write(initiator));
        Assert.Null(responder.RemotePeer);
        initiator.ReadMessage(Write(responder));
        Assert.Equal(_bob.PeerId, initiator.RemotePeer);
        Assert.Null(responder.RemotePeer);
        responder.ReadMessage(Write(initiator));
        Assert.Equal(_alice.PeerId, responder.RemotePeer);
    }

    [Theory]
    [InlineData(1, 5)]    // message 1, ephemeral key: transcripts diverge, message 2 fails to authenticate
    [InlineData(2, 40)]   // message 2, encrypted static key
    [InlineData(2, -1)]   // message 2, payload tag
    [InlineData(3, 10)]   // message 3, encrypted static key
    [InlineData(3, -1)]   // message 3, payload tag
    public void Tampered_messages_fail_authentication(int message, int position)
    {
        using var initiator = new NoiseHandshake(true, _alice);
        using var responder = new NoiseHandshake(false, _bob);
        var m1 = Write(initiator);
        if (message == 1)
        {
            Flip(m1, position);
        }
        responder.ReadMessage(m1);
        var m2 = Write(responder);
        if (message == 1)
        {
            Assert.Throws<NoiseHandshakeException>(() => initiator.ReadMessage(m2));
            return;
        }
        if (message == 2)
        {
            Flip(m2, position);
            Assert.Throws<NoiseHandshakeException>(() => initiator.ReadMessage(m2));
            Assert.Throws<InvalidOperationException>(() => Write(initiator));
            return;
        }
        initiator.ReadMessage(m2);
        var m3 = Write(initiator);
        Flip(m3, position);
        Assert.Throws<NoiseHandshakeException>(() => responder.ReadMessage(m3));
    }

    [Fact]
    public void A_signature_over_the_wrong_data_is_rejected()
    {
        using var initiator = new NoiseHandshake(true, _alice);
        using var forger = new NoiseHandshake(false, _bob.PublicKey, data => _bob.Sign([.. data, 0]), null);
        forger.ReadMessage(Write(initiator));
        var ex = Assert.Throws<NoiseHandshakeException>(() => initiator.ReadMessage(Write(forger)));
        Assert.Contains("signature", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Claiming_someone_elses_identity_key_is_rejected()
    {
        // The responder claims Alice's identity key but can only sign with Bob's.
        using var initiator = new NoiseHandshake(true, _alice);
        using var impostor = new NoiseHandshake(false, _alice.PublicKey, _bob.Sign, null);
        impostor.ReadMessage(Write(initiator));
        Assert.Throws<NoiseHandshakeException>(() => initiator.ReadMessage(Write(impostor)));
    }

    [Fact]
    public void A_secp256k1_remote_identity_is_accepted()
    {
        using var signer = new Secp256k1Signer();
        using var initiator = new NoiseHandshake(true, _alice);
        using var responder = new NoiseHandshake(false, signer.PublicKey, signer.Sign, null);
        responder.ReadMessage(Write(initiator));
        initiator.ReadMessage(Write(responder));
        responder.ReadMessage(Write(initiator));
        using var result = initiator.GetResult();
        Assert.IsType<Secp256k1PublicKey>(result.RemoteIdentityKey);
        Assert.Equal(PeerId.FromPublicKey(signer.PublicKey), result.RemotePeer);
        Assert.StartsWith("16Uiu2", result.RemotePeer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsupported_remote_key_type_fails_the_handshake()
    {
        // An "RSA" key: the payload decodes, but the key type is refused.
        var fake = new FakeKey(new byte[300]);
        using var initiator = new NoiseHandshake(true, _alice);
        using var responder = new NoiseHandshake(false, fake, _ => new byte[64], null);
        responder.ReadMessage(Write(initiator));
        var ex = Assert.Throws<NoiseHandshakeException>(() => initiator.ReadMessage(Write(responder)));
        Assert.IsType<UnsupportedKeyTypeException>(ex.InnerException);
    }

    [Fact]
    public void Extensions_travel_in_the_payload()
    {
        var offered = new NoiseExtensions(["/yamux/1.0.0"], []);
        using var initiator = new NoiseHandshake(true, _alice, offered);
        using var responder = new NoiseHandshake(false, _bob, new NoiseExtensions(["/yamux/1.0.0", "/mplex/6.7.0"], []));
        responder.ReadMessage(Write(initiator));
        initiator.ReadMessage(Write(responder));
        responder.ReadMessage(Write(initiator));
        using var a = initiator.GetResult();
        using var b = responder.GetResult();
        Assert.Equal(["/yamux/1.0.0", "/mplex/6.7.0"], a.RemoteExtensions!.StreamMuxers);
        Assert.Equal(["/yamux/1.0.0"], b.RemoteExtensions!.StreamMuxers);
    }

    [Theory]
    [InlineData(1, 31)]
    [InlineData(2, 95)]
    [InlineData(3, 63)]
    public void Short_messages_are_rejected(int message, int length)
    {
        using var initiator = new NoiseHandshake(true, _alice);
        using var responder = new NoiseHandshake(false, _bob);
        if (message == 1)
        {
            Assert.Throws<NoiseHandshakeException>(() => responder.ReadMessage(new byte[length]));
            return;
        }
        responder.ReadMessage(Write(initiator));
        var m2 = Write(responder);
        if (message == 2)
        {
            Assert.Throws<NoiseHandshakeException>(() => initiator.ReadMessage(m2.AsSpan(0, length)));
            return;
        }
        initiator.ReadMessage(m2);
        Assert.Throws<NoiseHandshakeException>(() => responder.ReadMessage(Write(initiator).AsSpan(0, length)));
    }

    [Fact]
    public void Out_of_turn_calls_are_refused()
    {
        using var initiator = new NoiseHandshake(true, _alice);
        Assert.Throws<InvalidOperationException>(() => initiator.ReadMessage(new byte[32]));
        Assert.Throws<InvalidOperationException>(() => initiator.GetResult());
    }

    [Fact]
    public void Cipher_state_refuses_the_reserved_last_nonce()
    {
        using var initiator = new NoiseHandshake(true, _alice);
        using var responder = new NoiseHandshake(false, _bob);
        responder.ReadMessage(Write(initiator));
        initiator.ReadMessage(Write(responder));
        responder.ReadMessage(Write(initiator));
        using var a = initiator.GetResult();
        a.Sender.SetNonceForTesting(ulong.MaxValue - 1);
        var output = new byte[32];
        a.Sender.Encrypt("x"u8, output);
        Assert.Throws<NoiseProtocolException>(() => a.Sender.Encrypt("x"u8, output));
    }

    internal static byte[] Write(NoiseHandshake handshake)
    {
        var writer = new ArrayBufferWriter<byte>();
        handshake.WriteMessage(writer);
        return writer.WrittenSpan.ToArray();
    }

    private static void Flip(byte[] message, int position) => message[position < 0 ? message.Length + position : position] ^= 0x01;

    private static void AssertPair(NoiseCipherState sender, NoiseCipherState receiver)
    {
        for (var i = 0; i < 3; i++)
        {
            var plaintext = new byte[100 + i];
            Random.Shared.NextBytes(plaintext);
            var ciphertext = new byte[plaintext.Length + NoiseCipherState.TagSize];
            sender.Encrypt(plaintext, ciphertext);
            var decrypted = new byte[plaintext.Length];
            Assert.True(receiver.TryDecrypt(ciphertext, decrypted));
            Assert.Equal(plaintext, decrypted);
        }
    }

    /// <summary>A public key of an unsupported type, only for putting its protobuf on the wire.</summary>
    private sealed class FakeKey(byte[] raw) : Libp2p.Identity.PublicKey
    {
        public override KeyType Type => KeyType.Rsa;

        public override ReadOnlyMemory<byte> Raw => raw;

        public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => false;
    }
}
