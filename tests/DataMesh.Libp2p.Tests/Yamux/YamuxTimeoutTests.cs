using System.IO.Pipelines;
using DataMesh.Libp2p.Yamux;
using Microsoft.Extensions.Time.Testing;

namespace DataMesh.Libp2p.Tests.Yamux;

/// <summary>Keep-alive and close timeouts, driven by a fake clock.</summary>
public sealed class YamuxTimeoutTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task APeerThatStopsAnsweringPingsEndsTheSession()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var time = new FakeTimeProvider();
        DateTimeOffset start = time.GetUtcNow();
        (IDuplexPipe local, IDuplexPipe remote) = DuplexPipePair.Create();
        var options = new YamuxOptions { KeepAliveInterval = TimeSpan.FromSeconds(30), KeepAliveTimeout = TimeSpan.FromSeconds(10) };
        await using var session = new YamuxSession(local, isInitiator: true, options, time);
        session.Start();
        var peer = new RawYamuxPeer(remote);

        // Answer the first ping, then go silent.
        YamuxFrameHeader? first = await peer.ReadUntilAsync(h => h.Type == YamuxFrameType.Ping, cts.Token);
        await peer.SendAsync(YamuxFrameType.Ping, YamuxFrameFlags.Ack, 0, first!.Value.Length);
        await AdvanceUntilAsync(time, TimeSpan.FromSeconds(1), () => session.Completion.IsCompleted, cts.Token);

        var error = await Assert.ThrowsAsync<YamuxException>(() => session.Completion);
        Assert.Contains("keep-alive", error.Message, StringComparison.Ordinal);
        // The ping at 30 s goes unanswered and times out 10 s later (the upper bound allows for a slow machine).
        Assert.InRange(time.GetUtcNow() - start, TimeSpan.FromSeconds(40), TimeSpan.FromSeconds(50));
        YamuxFrameHeader? goAway = await peer.ReadUntilAsync(h => h.Type == YamuxFrameType.GoAway, cts.Token);
        Assert.Equal((uint)YamuxGoAwayCode.InternalError, goAway?.Length);
    }

    [Fact]
    public async Task AnsweredKeepAlivesKeepTheSessionOpen()
    {
        using var cts = new CancellationTokenSource(Timeout);

        // Real time here: both peers must actually answer, which a fake clock advanced by a test cannot wait for.
        var options = new YamuxOptions { KeepAliveInterval = TimeSpan.FromMilliseconds(20), KeepAliveTimeout = TimeSpan.FromSeconds(5) };
        await using SessionPair pair = SessionPair.Start(options, options);
        await Polling.WaitUntilAsync(() => pair.Client.RoundTripTime > TimeSpan.Zero);
        await Task.Delay(300, cts.Token);
        Assert.False(pair.Client.IsClosed);
        Assert.False(pair.Server.IsClosed);
    }

    [Fact]
    public async Task AStreamWhosePeerNeverClosesIsResetAfterTheCloseTimeout()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var time = new FakeTimeProvider();
        var options = new YamuxOptions { StreamCloseTimeout = TimeSpan.FromMinutes(1), KeepAliveInterval = null };
        await using SessionPair pair = SessionPair.Start(options, options, time);
        YamuxStream client = await pair.Client.OpenStreamAsync(cts.Token);
        await client.Output.WriteAsync(new byte[] { 1, 2 }, cts.Token);
        await client.DisposeAsync();

        YamuxStream server = await pair.Server.AcceptStreamAsync(cts.Token);
        Assert.Equal(new byte[] { 1, 2 }, await PipeContent.ReadToEndAsync(server.Input, cts.Token));
        Assert.Equal(1, pair.Client.ActiveStreamCount);

        await AdvanceUntilAsync(time, TimeSpan.FromSeconds(5), () => pair.Client.ActiveStreamCount == 0 && pair.Server.ActiveStreamCount == 0, cts.Token);
        var reset = await Assert.ThrowsAsync<YamuxStreamResetException>(async () => await server.Output.WriteAsync(new byte[] { 3 }, cts.Token));
        Assert.True(reset.ByRemote);
    }

    [Fact]
    public async Task DisposeDoesNotHangWhenThePeerStopsReading()
    {
        using var cts = new CancellationTokenSource(Timeout);
        (IDuplexPipe local, _) = DuplexPipePair.Create();
        var options = new YamuxOptions { CloseTimeout = TimeSpan.FromMilliseconds(200), KeepAliveInterval = null };
        var session = new YamuxSession(local, isInitiator: true, options, TimeProvider.System);
        session.Start();

        // The peer never reads: the 256 KiB window fills the 64 KiB connection pipe and the write loop blocks.
        YamuxStream stream = await session.OpenStreamAsync(cts.Token);
        Task writing = Task.Run(async () => await stream.Output.WriteAsync(new byte[2_000_000], cts.Token), cts.Token);
        await Task.Delay(100, cts.Token);

        await session.DisposeAsync().AsTask().WaitAsync(cts.Token);
        Assert.True(session.IsClosed);
        await Assert.ThrowsAsync<YamuxSessionClosedException>(() => writing.WaitAsync(cts.Token));
    }

    private static async Task AdvanceUntilAsync(FakeTimeProvider time, TimeSpan step, Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            time.Advance(step);
            await Task.Delay(5, cancellationToken);
        }
    }
}
