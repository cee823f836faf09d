using System.Diagnostics;
using System.IO.Pipelines;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Transports;
using DataMesh.Libp2p.Yamux;
using Xunit.Abstractions;

namespace DataMesh.Libp2p.Tests.Transports;

/// <summary>The two layers together over loopback TCP: what a host will do before Noise sits in between.</summary>
public sealed class YamuxOverTcpTests
{
    private readonly ITestOutputHelper _output;

    public YamuxOverTcpTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task StreamsCarryDataOverARealSocket()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var transport = new TcpTransport(new TcpTransportOptions());
        await using IConnectionListener listener = await transport.ListenAsync(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"), cts.Token);
        ValueTask<IRawConnection> accepting = listener.AcceptAsync(cts.Token);
        await using IRawConnection dialed = await transport.DialAsync(listener.ListenAddress, cts.Token);
        await using IRawConnection accepted = await accepting;

        await using var client = new YamuxSession(dialed, isInitiator: true, new YamuxOptions(), TimeProvider.System);
        await using var server = new YamuxSession(accepted, isInitiator: false, new YamuxOptions(), TimeProvider.System);
        client.Start();
        server.Start();

        const int total = 32 * 1024 * 1024;
        byte[] block = new byte[256 * 1024];
        new Random(5).NextBytes(block);
        YamuxStream sending = await client.OpenStreamAsync(cts.Token);
        var stopwatch = Stopwatch.StartNew();
        Task send = Task.Run(async () =>
        {
            for (int sent = 0; sent < total; sent += block.Length)
            {
                await sending.Output.WriteAsync(block, cts.Token);
            }

            await sending.CloseWriteAsync(cts.Token);
        });

        YamuxStream receiving = await server.AcceptStreamAsync(cts.Token);
        long received = 0;
        while (true)
        {
            ReadResult result = await receiving.Input.ReadAsync(cts.Token);
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                int offset = (int)(received % block.Length);
                Assert.True(MatchesPattern(segment.Span, offset, block));
                received += segment.Length;
            }

            receiving.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        stopwatch.Stop();
        await send;
        Assert.Equal(total, received);
        _output.WriteLine($"yamux over TCP loopback, one stream: 32 MiB in {stopwatch.ElapsedMilliseconds} ms = {total / 1024.0 / 1024 / stopwatch.Elapsed.TotalSeconds:F0} MiB/s");

        await sending.DisposeAsync();
        await receiving.DisposeAsync();
        await client.DisposeAsync();
        await server.Completion.WaitAsync(cts.Token);
    }

    /// <summary>Compares received bytes with the repeating block, wrapping past its end.</summary>
    private static bool MatchesPattern(ReadOnlySpan<byte> segment, int offset, byte[] block)
    {
        while (!segment.IsEmpty)
        {
            int length = Math.Min(segment.Length, block.Length - offset);
            if (!segment[..length].SequenceEqual(block.AsSpan(offset, length)))
            {
                return false;
            }

            segment = segment[length..];
            offset = 0;
        }

        return true;
    }
}
