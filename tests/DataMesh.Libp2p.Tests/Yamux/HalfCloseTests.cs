using System.Buffers;
using System.IO.Pipelines;
using DataMesh.Libp2p.Yamux;
using Xunit.Abstractions;

namespace DataMesh.Libp2p.Tests.Yamux;

/// <summary>Half-close as other yamux implementations (js-libp2p) need it: FIN on the wire, and flow control after it.</summary>
public sealed class HalfCloseTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60); // a hang guard, generous for a loaded CI machine
    private readonly ITestOutputHelper _output;

    public HalfCloseTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task FinTravelsInAFrameOfItsOwnAfterTheLastData()
    {
        // js-libp2p applies a frame's flags before its payload: a FIN riding on data would drop that data.
        using var cts = new CancellationTokenSource(Timeout);
        (IDuplexPipe local, IDuplexPipe remote) = DuplexPipePair.Create();
        await using var session = new YamuxSession(local, isInitiator: true, new YamuxOptions { KeepAliveInterval = null }, TimeProvider.System);
        session.Start();

        YamuxStream stream = await session.OpenStreamAsync(cts.Token);
        await stream.Output.WriteAsync(new byte[] { 1, 2, 3, 4, 5 }, cts.Token);
        await stream.CloseWriteAsync(cts.Token);

        List<YamuxFrameHeader> frames = await ReadStreamFramesUntilFinAsync(remote.Input, stream.Id, cts.Token);

        Assert.Equal(YamuxFrameFlags.Syn, frames[0].Flags & YamuxFrameFlags.Syn);
        Assert.All(frames.Where(f => f.Type == YamuxFrameType.Data), f => Assert.Equal(YamuxFrameFlags.None, f.Flags & YamuxFrameFlags.Fin));
        Assert.Equal(5u, (uint)frames.Where(f => f.Type == YamuxFrameType.Data).Sum(f => f.Length));
        Assert.Equal(new YamuxFrameHeader(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Fin, stream.Id, 0), frames[^1]);
    }

    [Fact]
    public async Task AnAnswerLargerThanTheWindowArrivesAfterTheRequestersFin()
    {
        // Our FIN ends only our direction: the answer still needs window updates from us to get past 256 KiB.
        using var cts = new CancellationTokenSource(Timeout);
        await using SessionPair pair = SessionPair.Start(output: _output);
        YamuxStream client = await pair.Client.OpenStreamAsync(cts.Token);
        await client.Output.WriteAsync(new byte[] { 7 }, cts.Token);
        await client.CloseWriteAsync(cts.Token);

        YamuxStream server = await pair.Server.AcceptStreamAsync(cts.Token);
        Assert.Equal(new byte[] { 7 }, await PipeContent.ReadToEndAsync(server.Input, cts.Token));
        byte[] answer = new byte[4 * YamuxOptions.SpecInitialWindowSize + 3];
        new Random(11).NextBytes(answer);
        Task respond = Task.Run(async () =>
        {
            await server.Output.WriteAsync(answer, cts.Token);
            await server.DisposeAsync();
        }, cts.Token);

        Assert.Equal(answer, await PipeContent.ReadToEndAsync(client.Input, cts.Token));
        await respond;
        await client.DisposeAsync();
        await Polling.WaitUntilAsync(() => pair.Client.ActiveStreamCount == 0 && pair.Server.ActiveStreamCount == 0);
    }

    /// <summary>Parses raw frames off the wire (skipping payloads and other streams) up to this stream's FIN.</summary>
    private static async Task<List<YamuxFrameHeader>> ReadStreamFramesUntilFinAsync(PipeReader wire, uint streamId, CancellationToken cancellationToken)
    {
        var frames = new List<YamuxFrameHeader>();
        long skip = 0;
        while (true)
        {
            ReadResult result = await wire.ReadAsync(cancellationToken);
            ReadOnlySequence<byte> buffer = result.Buffer;
            while (true)
            {
                long skipped = Math.Min(skip, buffer.Length);
                buffer = buffer.Slice(skipped);
                skip -= skipped;
                if (skip > 0 || !YamuxFrameHeader.TryParse(buffer, out YamuxFrameHeader header))
                {
                    break;
                }

                buffer = buffer.Slice(YamuxFrameHeader.Size);
                skip = header.Type == YamuxFrameType.Data ? header.Length : 0;
                if (header.StreamId != streamId)
                {
                    continue;
                }

                frames.Add(header);
                if ((header.Flags & YamuxFrameFlags.Fin) != 0)
                {
                    return frames;
                }
            }

            Assert.False(result.IsCompleted, "the connection ended before the stream's FIN");
            wire.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
