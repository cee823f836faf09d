using System.Buffers;
using DataMesh.Libp2p.Yamux;

namespace DataMesh.Libp2p.Tests.Yamux;

public sealed class YamuxFrameHeaderTests
{
    [Fact]
    public void WritesTheSpecLayoutBigEndian()
    {
        var header = new YamuxFrameHeader(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn | YamuxFrameFlags.Fin, 0x01020304, 0x0A0B0C0D);
        byte[] bytes = new byte[YamuxFrameHeader.Size];
        header.WriteTo(bytes);
        Assert.Equal(new byte[] { 0, 1, 0, 5, 1, 2, 3, 4, 0x0A, 0x0B, 0x0C, 0x0D }, bytes);
    }

    [Fact]
    public void RoundTripsAcrossSegmentBoundaries()
    {
        var header = new YamuxFrameHeader(YamuxFrameType.Data, YamuxFrameFlags.Rst, 7, 1234);
        var writer = new ArrayBufferWriter<byte>();
        header.WriteTo(writer);
        byte[] bytes = writer.WrittenSpan.ToArray();
        ReadOnlySequence<byte> split = TestSequences.Split(bytes, 5);
        Assert.True(YamuxFrameHeader.TryParse(split, out YamuxFrameHeader parsed));
        Assert.Equal(header, parsed);
    }

    [Fact]
    public void ShortBufferIsNotAHeaderYet()
    {
        Assert.False(YamuxFrameHeader.TryParse(new ReadOnlySequence<byte>(new byte[11]), out _));
    }

    [Fact]
    public void RejectsUnknownVersion()
    {
        byte[] bytes = [1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];
        Assert.Throws<YamuxProtocolException>(() => YamuxFrameHeader.Parse(bytes));
    }

    [Fact]
    public void RejectsUnknownType()
    {
        byte[] bytes = [0, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];
        Assert.Throws<YamuxProtocolException>(() => YamuxFrameHeader.Parse(bytes));
    }
}
