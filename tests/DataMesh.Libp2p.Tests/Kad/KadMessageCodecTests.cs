using System.Buffers;
using DataMesh.Libp2p.Kad;
using DataMesh.Libp2p.Protobuf;

namespace DataMesh.Libp2p.Tests.Kad;

public sealed class KadMessageCodecTests
{
    [Fact]
    public void FullMessageRoundTrips()
    {
        var message = new KadMessage(KadMessageType.GetProviders, new byte[] { 1, 2, 3 })
        {
            Record = new KadRecord("/dm/k"u8.ToArray(), new byte[] { 9, 8 }, "2026-11-27T06:00:00Z"),
            CloserPeers = [new KadPeerInfo(new byte[] { 0, 4, 1, 2, 3, 4 }, [new byte[] { 4, 127, 0, 0, 1 }], KadConnectionType.Connected)],
            ProviderPeers = [new KadPeerInfo(new byte[] { 0, 1, 7 }, [])],
            ClusterLevelRaw = 3,
        };
        KadMessage decoded = KadMessageCodec.Decode(KadMessageCodec.Encode(message));
        Assert.Equal(message.Type, decoded.Type);
        Assert.Equal(message.Key.ToArray(), decoded.Key.ToArray());
        Assert.Equal(message.Record.Key.ToArray(), decoded.Record!.Key.ToArray());
        Assert.Equal(message.Record.Value.ToArray(), decoded.Record.Value.ToArray());
        Assert.Equal(message.Record.TimeReceived, decoded.Record.TimeReceived);
        Assert.Equal(KadConnectionType.Connected, decoded.CloserPeers[0].Connection);
        Assert.Equal(message.CloserPeers[0].Addresses[0].ToArray(), decoded.CloserPeers[0].Addresses[0].ToArray());
        Assert.Equal(message.ProviderPeers[0].Id.ToArray(), decoded.ProviderPeers[0].Id.ToArray());
        Assert.Equal(3, decoded.ClusterLevelRaw);
    }

    [Fact]
    public void PutValueTypeIsTheProto3DefaultAndUnknownFieldsAreSkipped()
    {
        var writer = new ArrayBufferWriter<byte>();
        ProtoWriter.WriteString(writer, 15, "future field");
        ProtoWriter.WriteBytes(writer, 2, "/dm/x"u8);
        KadMessage decoded = KadMessageCodec.Decode(writer.WrittenSpan);
        Assert.Equal(KadMessageType.PutValue, decoded.Type);
        Assert.Equal("/dm/x"u8.ToArray(), decoded.Key.ToArray());
        Assert.Empty(KadMessageCodec.Encode(new KadMessage(KadMessageType.PutValue, ReadOnlyMemory<byte>.Empty)));
    }

    [Fact]
    public void MalformedAndOversizedMessagesAreTypedErrors()
    {
        Assert.Throws<KadProtocolException>(() => KadMessageCodec.Decode(new byte[] { 0x12, 0x05, 0x01 })); // truncated key
        Assert.Throws<KadProtocolException>(() => KadMessageCodec.Decode(new byte[] { 0x08, 0x09 })); // type 9
        Assert.Throws<KadProtocolException>(() => KadMessageCodec.Decode(new byte[] { 0x08 })); // tag without value
        var limits = KadCodecLimits.Default with { MaxKeyBytes = 4, MaxPeersPerList = 2, MaxValueBytes = 8 };
        Assert.Throws<KadProtocolException>(() => KadMessageCodec.Decode(KadMessageCodec.Encode(new KadMessage(KadMessageType.FindNode, new byte[5])), limits));
        var manyPeers = new KadMessage(KadMessageType.FindNode, new byte[1]) { CloserPeers = [.. Enumerable.Range(0, 3).Select(i => new KadPeerInfo(new byte[] { (byte)i }, []))] };
        Assert.Throws<KadProtocolException>(() => KadMessageCodec.Decode(KadMessageCodec.Encode(manyPeers), limits));
        var bigValue = new KadMessage(KadMessageType.PutValue, new byte[1]) { Record = new KadRecord(new byte[1], new byte[9]) };
        Assert.Throws<KadProtocolException>(() => KadMessageCodec.Decode(KadMessageCodec.Encode(bigValue), limits));
        var noId = new KadMessage(KadMessageType.FindNode, new byte[1]) { CloserPeers = [new KadPeerInfo(ReadOnlyMemory<byte>.Empty, [])] };
        Assert.Throws<KadProtocolException>(() => KadMessageCodec.Decode(KadMessageCodec.Encode(noId)));
    }

    [Fact]
    public void RandomBytesNeverEscapeAsAnythingButKadProtocolException()
    {
        var random = new Random(7);
        for (int i = 0; i < 2000; i++)
        {
            byte[] junk = new byte[random.Next(0, 64)];
            random.NextBytes(junk);
            try
            {
                KadMessageCodec.Decode(junk);
            }
            catch (KadProtocolException)
            {
            }
        }
    }
}
