using System.Diagnostics;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using DataMesh.Libp2p.Yamux;
using Xunit.Abstractions;

namespace DataMesh.Libp2p.Tests.Yamux;

public sealed class YamuxSessionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60); // a hang guard, generous for a loaded CI machine
    private readonly ITestOutputHelper _output;

    public YamuxSessionTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task StreamsOpenAndAcceptInBothDirections()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using SessionPair pair = SessionPair.Start(output: _output);

        YamuxStream fromClient = await pair.Client.OpenStreamAsync(cts.Token);
        YamuxStream fromServer = await pair.Server.OpenStreamAsync(cts.Token);
        Assert.Equal(1u, fromClient.Id);
        Assert.Equal(2u, fromServer.Id);

        await fromClient.Output.WriteAsync(Encoding.ASCII.GetBytes("ping"), cts.Token);
        await fromClient.CloseWriteAsync(cts.Token);
        await fromServer.Output.WriteAsync(Encoding.ASCII.GetBytes("pong"), cts.Token);
        await fromServer.CloseWriteAsync(cts.Token);

        YamuxStream acceptedByServer = await pair.Server.AcceptStreamAsync(cts.Token);
        YamuxStream acceptedByClient = await pair.Client.AcceptStreamAsync(cts.Token);
        Assert.Equal(1u, acceptedByServer.Id);
        Assert.Equal(2u, acceptedByClient.Id);
        Assert.Equal("ping", Encoding.ASCII.GetString(await PipeContent.ReadToEndAsync(acceptedByServer.Input, cts.Token)));
        Assert.Equal("pong", Encoding.ASCII.GetString(await PipeContent.ReadToEndAsync(acceptedByClient.Input, cts.Token)));
    }

    [Fact]
    public async Task HalfCloseLetsTheOtherSideAnswerAfterTheRequestEnds()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using SessionPair pair = SessionPair.Start(output: _output);
        YamuxStream client = await pair.Client.OpenStreamAsync(cts.Token);
        await client.Output.WriteAsync(new byte[] { 1, 2, 3 }, cts.Token);
        await client.CloseWriteAsync(cts.Token);

        YamuxStream server = await pair.Server.AcceptStreamAsync(cts.Token);
        Assert.Equal(new byte[] { 1, 2, 3 }, await PipeContent.ReadToEndAsync(server.Input, cts.Token));
        await server.Output.WriteAsync(new byte[] { 9, 8 }, cts.Token);
        await server.DisposeAsync();

        Assert.Equal(new byte[] { 9, 8 }, await PipeContent.ReadToEndAsync(client.Input, cts.Token));
        await client.DisposeAsync();
        await Polling.WaitUntilAsync(() => pair.Client.ActiveStreamCount == 0 && pair.Server.ActiveStreamCount == 0);
    }

    [Fact]
    public async Task AHalfClosedStreamKeepsGrantingWindowForAnAnswerLargerThanTheWindow()
    {
        // The request ends (FIN) before any of the answer arrives, so every window update the answer needs is sent
        // after this side's FIN: the sender stalls for good after one window if half-closed streams stop granting.
        using var cts = new CancellationTokenSource(Timeout);
        await using SessionPair pair = SessionPair.Start(output: _output);
        YamuxStream client = await pair.Client.OpenStreamAsync(cts.Token);
        await client.Output.WriteAsync(new byte[] { 1 }, cts.Token);
        await client.CloseWriteAsync(cts.Token);

        YamuxStream server = await pair.Server.AcceptStreamAsync(cts.Token);
        Assert.Equal(new byte[] { 1 }, await PipeContent.ReadToEndAsync(server.Input, cts.Token));
        byte[] answer = RandomNumberGenerator.GetBytes(YamuxOptions.SpecInitialWindowSize * 4 + 17);
        Task answering = Task.Run(async () =>
        {
            await server.Output.WriteAsync(answer, cts.Token);
            await server.CloseWriteAsync(cts.Token);
        }, cts.Token);

        byte[] received = await PipeContent.ReadToEndAsync(client.Input, cts.Token);
        await answering;
        Assert.True(answer.AsSpan().SequenceEqual(received));
    }

    [Fact]
    public async Task ManyConcurrentStreamsEchoIndependently()
    {
        using var cts = new CancellationTokenSource(Timeout);
        const int streams = 100;

        // All streams open at once; the backlog must hold them until the accept loop catches up (beyond it: RST).
        await using SessionPair pair = SessionPair.Start(serverOptions: new YamuxOptions { AcceptBacklog = streams }, output: _output);
        const int size = 40_000;

        Task echo = Task.Run(async () =>
        {
            var echoes = new List<Task>();
            for (int i = 0; i < streams; i++)
            {
                YamuxStream stream = await pair.Server.AcceptStreamAsync(cts.Token);
                echoes.Add(EchoAsync(stream, cts.Token));
            }

            await Task.WhenAll(echoes);
        });

        Task[] clients = Enumerable.Range(0, streams).Select(async i =>
        {
            YamuxStream stream = await pair.Client.OpenStreamAsync(cts.Token);
            byte[] payload = Pattern(size, seed: i);
            Task<byte[]> reply = PipeContent.ReadToEndAsync(stream.Input, cts.Token);
            await stream.Output.WriteAsync(payload, cts.Token);
            await stream.CloseWriteAsync(cts.Token);
            Assert.Equal(payload, await reply);
            await stream.DisposeAsync();
        }).ToArray();

        await Task.WhenAll(clients);
        await echo;
        await Polling.WaitUntilAsync(() => pair.Client.ActiveStreamCount == 0 && pair.Server.ActiveStreamCount == 0);
    }

    [Fact]
    public async Task SixtyFourMebibytesEchoByteExact()
    {
        // Generous: the machine running the suite may be heavily shared; this normally takes about a second.
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using SessionPair pair = SessionPair.Start(output: _output);
        const int total = 64 * 1024 * 1024;
        const int chunk = 256 * 1024;
        byte[] block = Pattern(chunk, seed: 7);

        YamuxStream client = await pair.Client.OpenStreamAsync(cts.Token);
        Task echo = Task.Run(async () => await EchoAsync(await pair.Server.AcceptStreamAsync(cts.Token), cts.Token));

        var stopwatch = Stopwatch.StartNew();
        Task write = Task.Run(async () =>
        {
            for (int sent = 0; sent < total; sent += chunk)
            {
                await client.Output.WriteAsync(block, cts.Token);
            }

            await client.CloseWriteAsync(cts.Token);
        });

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long received = 0;
        while (true)
        {
            ReadResult result = await client.Input.ReadAsync(cts.Token);
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                hash.AppendData(segment.Span);
            }

            received += result.Buffer.Length;
            client.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        stopwatch.Stop();
        await write;
        await echo;
        Assert.Equal(total, received);

        using var expected = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (int i = 0; i < total / chunk; i++)
        {
            expected.AppendData(block);
        }

        Assert.Equal(expected.GetHashAndReset(), hash.GetHashAndReset());
        _output.WriteLine($"64 MiB echoed in {stopwatch.ElapsedMilliseconds} ms: {total * 2.0 / 1024 / 1024 / stopwatch.Elapsed.TotalSeconds:F0} MiB/s through the session (both directions).");
    }

    [Fact]
    public async Task ASlowReaderStallsTheWriterInsteadOfBuffering()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using SessionPair pair = SessionPair.Start(output: _output);
        const int chunk = 16 * 1024;
        const int total = 8 * 1024 * 1024;
        YamuxStream client = await pair.Client.OpenStreamAsync(cts.Token);
        long flushed = 0;
        int waiting = 0;
        Task write = Task.Run(async () =>
        {
            byte[] block = Pattern(chunk, seed: 3);
            for (int sent = 0; sent < total; sent += chunk)
            {
                ValueTask<FlushResult> flush = client.Output.WriteAsync(block, cts.Token);
                Volatile.Write(ref waiting, flush.IsCompleted ? 0 : 1);
                await flush;
                Volatile.Write(ref waiting, 0);
                Interlocked.Add(ref flushed, chunk);
            }

            await client.CloseWriteAsync(cts.Token);
        });

        // Stalled for good: the reader took nothing, so the 256 KiB window is spent and never updated, and the writer
        // waits for room that only a read can make.
        YamuxStream server = await pair.Server.AcceptStreamAsync(cts.Token);
        await Polling.WaitUntilAsync(() => Interlocked.Read(ref flushed) >= YamuxOptions.SpecInitialWindowSize
            && client.SendWindow.Available == 0 && Volatile.Read(ref waiting) == 1);

        // What left the writer is bounded by the 256 KiB window, the sender's outbound buffer and the pipe.
        long stalledAt = Interlocked.Read(ref flushed);
        Assert.False(write.IsCompleted, $"writer finished early: {write.Status} {write.Exception} after {stalledAt} bytes");
        Assert.InRange(stalledAt, YamuxOptions.SpecInitialWindowSize, 1024 * 1024);
        ReadResult buffered = await server.Input.ReadAsync(cts.Token);
        Assert.InRange(buffered.Buffer.Length, 1, YamuxOptions.SpecInitialWindowSize);
        server.Input.AdvanceTo(buffered.Buffer.Start);

        byte[] all = await PipeContent.ReadToEndAsync(server.Input, cts.Token);
        await write;
        Assert.Equal(total, all.Length);
    }

    [Fact]
    public async Task ResetFailsBothDirectionsOnBothSides()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using SessionPair pair = SessionPair.Start(output: _output);
        YamuxStream client = await pair.Client.OpenStreamAsync(cts.Token);
        await client.Output.WriteAsync(new byte[] { 1 }, cts.Token);
        YamuxStream server = await pair.Server.AcceptStreamAsync(cts.Token);
        ReadResult first = await server.Input.ReadAsync(cts.Token);
        server.Input.AdvanceTo(first.Buffer.End);

        client.Reset();
        await Assert.ThrowsAsync<YamuxStreamResetException>(async () => await client.Input.ReadAsync(cts.Token));
        await Assert.ThrowsAsync<YamuxStreamResetException>(async () => await client.Output.WriteAsync(new byte[] { 2 }, cts.Token));

        var remote = await Assert.ThrowsAsync<YamuxStreamResetException>(() => PipeContent.ReadToEndAsync(server.Input, cts.Token));
        Assert.True(remote.ByRemote);
        await Polling.WaitUntilAsync(() => pair.Client.ActiveStreamCount == 0 && pair.Server.ActiveStreamCount == 0);
        await Assert.ThrowsAsync<YamuxStreamResetException>(async () => await server.Output.WriteAsync(new byte[] { 3 }, cts.Token));
    }

    [Fact]
    public async Task PingMeasuresARoundTrip()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using SessionPair pair = SessionPair.Start(output: _output);
        TimeSpan rtt = await pair.Client.PingAsync(cts.Token);
        Assert.True(rtt > TimeSpan.Zero);
        Assert.True(await pair.Server.PingAsync(cts.Token) > TimeSpan.Zero);
    }

    [Fact]
    public async Task NormalGoAwayStopsNewStreamsButKeepsExistingOnes()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using SessionPair pair = SessionPair.Start(output: _output);
        YamuxStream client = await pair.Client.OpenStreamAsync(cts.Token);
        await client.Output.WriteAsync(new byte[] { 1 }, cts.Token);
        YamuxStream server = await pair.Server.AcceptStreamAsync(cts.Token);

        await pair.Server.GoAwayAsync(YamuxGoAwayCode.Normal, cts.Token);
        await Polling.WaitUntilAsync(() => OpenFails(pair.Client));

        await server.Output.WriteAsync(new byte[] { 5 }, cts.Token);
        await server.DisposeAsync();
        Assert.Equal(new byte[] { 5 }, await PipeContent.ReadToEndAsync(client.Input, cts.Token));
        Assert.False(pair.Client.IsClosed);

        static bool OpenFails(YamuxSession session)
        {
            try
            {
                session.OpenStreamAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult().Reset();
                return false;
            }
            catch (YamuxSessionClosedException)
            {
                return true;
            }
        }
    }

    [Fact]
    public async Task ErrorGoAwayEndsTheRemoteSessionWithTheCode()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using SessionPair pair = SessionPair.Start(output: _output);
        await pair.Server.GoAwayAsync(YamuxGoAwayCode.InternalError, cts.Token);
        var error = await Assert.ThrowsAsync<YamuxGoAwayException>(() => pair.Client.Completion.WaitAsync(cts.Token));
        Assert.Equal(YamuxGoAwayCode.InternalError, error.Code);
        await Assert.ThrowsAsync<YamuxSessionClosedException>(async () => await pair.Client.AcceptStreamAsync(cts.Token));
    }

    [Fact]
    public async Task DisposingASessionEndsThePeerCleanlyAndFailsOpenStreams()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using SessionPair pair = SessionPair.Start(output: _output);
        YamuxStream client = await pair.Client.OpenStreamAsync(cts.Token);
        await client.Output.WriteAsync(new byte[] { 1 }, cts.Token);
        YamuxStream server = await pair.Server.AcceptStreamAsync(cts.Token);

        await pair.Client.DisposeAsync();
        Assert.True(pair.Client.IsClosed);
        await pair.Client.Completion.WaitAsync(cts.Token);
        await pair.Server.Completion.WaitAsync(cts.Token);
        await Assert.ThrowsAsync<YamuxSessionClosedException>(async () => await pair.Server.AcceptStreamAsync(cts.Token));
        await Assert.ThrowsAsync<YamuxSessionClosedException>(async () => await pair.Client.OpenStreamAsync(cts.Token));
        await Assert.ThrowsAsync<YamuxSessionClosedException>(async () => await client.Output.WriteAsync(new byte[] { 2 }, cts.Token));
        await Assert.ThrowsAsync<YamuxSessionClosedException>(() => PipeContent.ReadToEndAsync(server.Input, cts.Token));
    }

    [Fact]
    public async Task LocalOpensBeyondTheStreamCapFailClearly()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using SessionPair pair = SessionPair.Start(clientOptions: new YamuxOptions { MaxStreams = 3 });
        for (int i = 0; i < 3; i++)
        {
            await pair.Client.OpenStreamAsync(cts.Token);
        }

        await Assert.ThrowsAsync<YamuxStreamLimitException>(async () => await pair.Client.OpenStreamAsync(cts.Token));
        Assert.Equal(3, pair.Client.ActiveStreamCount);
    }

    [Fact]
    public async Task InboundStreamsBeyondTheCapAreReset()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using SessionPair pair = SessionPair.Start(serverOptions: new YamuxOptions { MaxStreams = 2 });
        var streams = new List<YamuxStream>();
        for (int i = 0; i < 3; i++)
        {
            YamuxStream stream = await pair.Client.OpenStreamAsync(cts.Token);
            await stream.Output.WriteAsync(new byte[] { (byte)i }, cts.Token);
            streams.Add(stream);
        }

        var reset = await Assert.ThrowsAsync<YamuxStreamResetException>(() => PipeContent.ReadToEndAsync(streams[2].Input, cts.Token));
        Assert.True(reset.ByRemote);
        Assert.Equal(2, pair.Server.ActiveStreamCount);
        Assert.Equal(1u, (await pair.Server.AcceptStreamAsync(cts.Token)).Id);
        Assert.Equal(3u, (await pair.Server.AcceptStreamAsync(cts.Token)).Id);
    }

    internal static async Task EchoAsync(YamuxStream stream, CancellationToken cancellationToken)
    {
        await stream.Input.CopyToAsync(stream.Output, cancellationToken);
        await stream.DisposeAsync();
    }

    internal static byte[] Pattern(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
