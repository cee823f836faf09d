using System.IO.Pipelines;
using DataMesh.Libp2p.Yamux;

namespace DataMesh.Libp2p.Tests.Yamux;

/// <summary>A peer that breaks the protocol ends the session with a clear error and a GoAway(protocol error).</summary>
public sealed class YamuxProtocolViolationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task DataBeyondTheGrantedWindowIsAProtocolError()
    {
        await AssertViolationAsync(async peer =>
        {
            // The window is 256 KiB; one byte more is refused from the header alone, before any payload arrives.
            await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, 2, 0);
            await peer.SendAsync(YamuxFrameType.Data, YamuxFrameFlags.None, 2, YamuxOptions.SpecInitialWindowSize + 1);
        }, "beyond the receive window");
    }

    [Fact]
    public async Task WindowIsEnforcedAcrossFrames()
    {
        await AssertViolationAsync(async peer =>
        {
            await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, 2, 0);
            byte[] half = new byte[YamuxOptions.SpecInitialWindowSize / 2];
            await peer.SendAsync(YamuxFrameType.Data, YamuxFrameFlags.None, 2, (uint)half.Length, half);
            await peer.SendAsync(YamuxFrameType.Data, YamuxFrameFlags.None, 2, (uint)half.Length, half);
            await peer.SendAsync(YamuxFrameType.Data, YamuxFrameFlags.None, 2, 1, [0]);
        }, "beyond the receive window");
    }

    [Fact]
    public async Task AHugeLengthIsRefusedBeforeAllocating()
    {
        await AssertViolationAsync(async peer =>
        {
            await peer.SendAsync(YamuxFrameType.Data, YamuxFrameFlags.Syn, 2, uint.MaxValue);
        }, "exceeds the largest window");
    }

    [Fact]
    public async Task ABadVersionIsAProtocolError()
    {
        await AssertViolationAsync(peer => peer.SendRawAsync([1, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0]), "version");
    }

    [Fact]
    public async Task AnUnknownFrameTypeIsAProtocolError()
    {
        await AssertViolationAsync(peer => peer.SendRawAsync([0, 9, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0]), "frame type");
    }

    [Fact]
    public async Task GarbageIsAProtocolError()
    {
        byte[] garbage = new byte[4096];
        new Random(42).NextBytes(garbage);
        garbage[0] = 0x47;
        await AssertViolationAsync(peer => peer.SendRawAsync(garbage), "version");
    }

    [Fact]
    public async Task AStreamIdOfTheWrongParityIsAProtocolError()
    {
        // The session under test is the initiator, so the peer must open even ids.
        await AssertViolationAsync(peer => peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, 3, 0), "wrong parity");
    }

    [Fact]
    public async Task OpeningAnOpenStreamAgainIsAProtocolError()
    {
        await AssertViolationAsync(async peer =>
        {
            await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, 2, 0);
            await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, 2, 0);
        }, "already open");
    }

    [Fact]
    public async Task StreamFramesOnStreamZeroAreAProtocolError()
    {
        await AssertViolationAsync(peer => peer.SendAsync(YamuxFrameType.Data, YamuxFrameFlags.None, 0, 0), "stream 0");
    }

    [Fact]
    public async Task AConnectionCutInsideAFrameIsAProtocolError()
    {
        await AssertViolationAsync(async peer =>
        {
            await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, 2, 0);
            await peer.SendAsync(YamuxFrameType.Data, YamuxFrameFlags.None, 2, 100, new byte[10]);
            peer.CompleteOutput();
        }, "inside a data frame", expectGoAway: false);
    }

    [Fact]
    public async Task DataForAnUnknownStreamIsDrainedAndTheSessionContinues()
    {
        using var cts = new CancellationTokenSource(Timeout);
        (IDuplexPipe local, IDuplexPipe remote) = DuplexPipePair.Create();
        await using var session = new YamuxSession(local, isInitiator: true, new YamuxOptions(), TimeProvider.System);
        session.Start();
        var peer = new RawYamuxPeer(remote);
        await peer.SendAsync(YamuxFrameType.Data, YamuxFrameFlags.None, 40, 5, [1, 2, 3, 4, 5]);
        await peer.SendAsync(YamuxFrameType.Ping, YamuxFrameFlags.Syn, 0, 77);
        YamuxFrameHeader? pong = await peer.ReadUntilAsync(h => h.Type == YamuxFrameType.Ping && h.Flags == YamuxFrameFlags.Ack, cts.Token);
        Assert.Equal(77u, pong?.Length);
        Assert.False(session.IsClosed);
    }

    private static async Task AssertViolationAsync(Func<RawYamuxPeer, Task> misbehave, string expectedMessagePart, bool expectGoAway = true)
    {
        using var cts = new CancellationTokenSource(Timeout);
        (IDuplexPipe local, IDuplexPipe remote) = DuplexPipePair.Create();
        await using var session = new YamuxSession(local, isInitiator: true, new YamuxOptions(), TimeProvider.System);
        session.Start();
        var peer = new RawYamuxPeer(remote);
        await misbehave(peer);

        var error = await Assert.ThrowsAsync<YamuxProtocolException>(() => session.Completion.WaitAsync(cts.Token));
        Assert.Contains(expectedMessagePart, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(session.IsClosed);
        await Assert.ThrowsAsync<YamuxSessionClosedException>(async () => await session.OpenStreamAsync(cts.Token));

        YamuxFrameHeader? goAway = await peer.ReadUntilAsync(h => h.Type == YamuxFrameType.GoAway, cts.Token);
        if (expectGoAway)
        {
            Assert.Equal((uint)YamuxGoAwayCode.ProtocolError, goAway?.Length);
        }
    }
}
