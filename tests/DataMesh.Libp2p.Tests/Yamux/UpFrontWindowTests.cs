using System.IO.Pipelines;
using DataMesh.Libp2p.Yamux;
using Microsoft.Extensions.Time.Testing;

namespace DataMesh.Libp2p.Tests.Yamux;

/// <summary>A stream's opener grants a larger receive window with its SYN, and a stream's acceptor once a request's
/// header told it the body's size; both drawn from the session's window budget.</summary>
public sealed class UpFrontWindowTests
{
    private const uint Initial = YamuxOptions.SpecInitialWindowSize;
    private const int OneMiB = 1024 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public void AReservedGrantIsAnnouncedByTheOpeningUpdateAndReturnedToTheBudget()
    {
        var budget = new YamuxWindowBudget(Initial * 4);
        Assert.True(budget.TryReserve(Initial * 3));
        var window = new ReceiveWindow(Initial * 4, Initial * 8, new FakeTimeProvider(), budget, reservedGrant: Initial * 3);

        Assert.Equal(Initial * 3, window.TakeUpdate(TimeSpan.Zero, force: true));
        Assert.Equal(Initial * 4, window.Credit);
        Assert.Equal(Initial * 3, window.Growth);
        Assert.True(window.TryReceive(Initial * 4));
        Assert.False(window.TryReceive(1));

        window.ReleaseGrowth();
        Assert.Equal(0, budget.Used);
    }

    [Fact]
    public void AGrantCannotClaimThePartEveryPeerAssumes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReceiveWindow(Initial * 2, Initial * 2, new FakeTimeProvider(), reservedGrant: Initial + 1));
    }

    [Fact]
    public async Task TheSynCarriesTheGrantAndThePeerMaySendItAllAtOnce()
    {
        using var cts = new CancellationTokenSource(Timeout);
        (IDuplexPipe local, IDuplexPipe remote) = DuplexPipePair.Create();
        await using var session = new YamuxSession(local, isInitiator: true, new YamuxOptions(), TimeProvider.System);
        session.Start();
        var peer = new RawYamuxPeer(remote);

        YamuxStream stream = await session.OpenStreamAsync(OneMiB, cts.Token);
        await stream.Output.FlushAsync(cts.Token);
        YamuxFrameHeader? syn = await peer.ReadUntilAsync(h => h.StreamId == stream.Id, cts.Token);
        Assert.Equal(YamuxFrameType.WindowUpdate, syn?.Type);
        Assert.Equal(YamuxFrameFlags.Syn, syn?.Flags);
        Assert.Equal(OneMiB - Initial, syn?.Length);

        // A whole megabyte in one frame, before the application read anything: within the window, not a violation.
        byte[] payload = new byte[OneMiB];
        new Random(7).NextBytes(payload);
        await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Ack, stream.Id, 0);
        await peer.SendAsync(YamuxFrameType.Data, YamuxFrameFlags.Fin, stream.Id, (uint)payload.Length, payload);
        Assert.Equal(payload, await PipeContent.ReadToEndAsync(stream.Input, cts.Token));
        Assert.False(session.IsClosed);
    }

    [Fact]
    public async Task WithTheBudgetSpentAStreamOpensWithTheUsualWindow()
    {
        using var cts = new CancellationTokenSource(Timeout);
        (IDuplexPipe local, IDuplexPipe remote) = DuplexPipePair.Create();
        var options = new YamuxOptions { SessionWindowGrowthBudget = OneMiB };
        await using var session = new YamuxSession(local, isInitiator: true, options, TimeProvider.System);
        session.Start();
        var peer = new RawYamuxPeer(remote);

        YamuxStream first = await session.OpenStreamAsync(OneMiB, cts.Token);   // takes 768 KiB of the budget
        YamuxStream second = await session.OpenStreamAsync(OneMiB, cts.Token);  // only 256 KiB left: usual window
        await first.Output.FlushAsync(cts.Token);
        await second.Output.FlushAsync(cts.Token);
        YamuxFrameHeader? firstSyn = await peer.ReadUntilAsync(h => h.StreamId == first.Id, cts.Token);
        YamuxFrameHeader? secondSyn = await peer.ReadUntilAsync(h => h.StreamId == second.Id, cts.Token);
        Assert.Equal(OneMiB - Initial, firstSyn?.Length);
        Assert.Equal(0u, secondSyn?.Length);

        // The first stream's end returns its grant: the next one gets the full window again.
        first.Reset();
        await Polling.WaitUntilAsync(() => session.ActiveStreamCount == 1);
        YamuxStream third = await session.OpenStreamAsync(OneMiB, cts.Token);
        await third.Output.FlushAsync(cts.Token);
        YamuxFrameHeader? thirdSyn = await peer.ReadUntilAsync(h => h.StreamId == third.Id, cts.Token);
        Assert.Equal(OneMiB - Initial, thirdSyn?.Length);
    }

    [Fact]
    public async Task AWindowOutsideTheSessionsRangeIsRefused()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using SessionPair pair = SessionPair.Start(clientOptions: new YamuxOptions { MaxWindowSize = 4 * OneMiB });
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await pair.Client.OpenStreamAsync((int)Initial - 1, cts.Token));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await pair.Client.OpenStreamAsync(4 * OneMiB + 1, cts.Token));
    }

    [Fact]
    public async Task AnAcceptorThatLearnsTheBodysSizeGrantsItAtOnce()
    {
        using var cts = new CancellationTokenSource(Timeout);
        (IDuplexPipe local, IDuplexPipe remote) = DuplexPipePair.Create();
        await using var session = new YamuxSession(local, isInitiator: false, new YamuxOptions(), TimeProvider.System);
        session.Start();
        var peer = new RawYamuxPeer(remote);

        // The peer opens a stream and sends a 100-byte header; the application reads none of it yet.
        byte[] body = new byte[OneMiB];
        new Random(11).NextBytes(body);
        await peer.SendAsync(YamuxFrameType.Data, YamuxFrameFlags.Syn, 1, 100, body[..100]);
        YamuxStream stream = await session.AcceptStreamAsync(cts.Token);

        Assert.True(stream.TryGrowReceiveWindow(OneMiB));
        Assert.False(stream.TryGrowReceiveWindow(OneMiB)); // already that large: nothing more to grant
        YamuxFrameHeader? grant = await peer.ReadUntilAsync(h => h.StreamId == 1 && h.Type == YamuxFrameType.WindowUpdate && h.Length > 0, cts.Token);
        Assert.Equal(OneMiB - Initial, grant?.Length);

        // The rest of the megabyte in one frame, still unread by the application: within the window, not a violation.
        await peer.SendAsync(YamuxFrameType.Data, YamuxFrameFlags.Fin, 1, OneMiB - 100, body[100..]);
        Assert.Equal(body, await PipeContent.ReadToEndAsync(stream.Input, cts.Token));
        Assert.False(session.IsClosed);
    }

    [Fact]
    public async Task AnAcceptorsGrantIsBoundedByTheSessionBudget()
    {
        using var cts = new CancellationTokenSource(Timeout);
        (IDuplexPipe local, IDuplexPipe remote) = DuplexPipePair.Create();
        var options = new YamuxOptions { SessionWindowGrowthBudget = OneMiB };
        await using var session = new YamuxSession(local, isInitiator: false, options, TimeProvider.System);
        session.Start();
        var peer = new RawYamuxPeer(remote);
        await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, 1, 0);
        await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, 3, 0);
        YamuxStream first = await session.AcceptStreamAsync(cts.Token);
        YamuxStream second = await session.AcceptStreamAsync(cts.Token);

        Assert.True(first.TryGrowReceiveWindow(OneMiB));    // 768 KiB of the 1 MiB budget
        Assert.False(second.TryGrowReceiveWindow(OneMiB));  // 256 KiB left: refused, the usual window stays

        // The first stream's end returns its growth to the budget.
        first.Reset();
        await Polling.WaitUntilAsync(() => session.ActiveStreamCount == 1);
        Assert.True(second.TryGrowReceiveWindow(OneMiB));
    }
}
