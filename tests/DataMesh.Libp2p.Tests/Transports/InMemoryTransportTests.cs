using System.Buffers;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Transports;
using Microsoft.Extensions.Time.Testing;

namespace DataMesh.Libp2p.Tests.Transports;

public sealed class InMemoryTransportTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ListensDialsAndExchangesData()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var network = new InMemoryNetwork();
        var server = new InMemoryTransport(network);
        var client = new InMemoryTransport(network);
        await using IConnectionListener listener = await server.ListenAsync(Multiaddr.Parse("/memory/0"), cts.Token);
        Assert.NotEqual("/memory/0", listener.ListenAddress.ToString());
        Assert.Equal(1, network.ListenerCount);

        await using IRawConnection dialer = await client.DialAsync(listener.ListenAddress, cts.Token);
        await using IRawConnection accepted = await listener.AcceptAsync(cts.Token);
        Assert.Equal(listener.ListenAddress, dialer.RemoteAddress);
        Assert.Equal(dialer.LocalAddress, accepted.RemoteAddress);
        await ConnectionAssertions.ExchangeAsync(dialer, accepted, cts.Token);
    }

    [Fact]
    public async Task ADialerThatListensUsesItsListenAddress()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var network = new InMemoryNetwork();
        var a = new InMemoryTransport(network);
        var b = new InMemoryTransport(network);
        await using IConnectionListener aListener = await a.ListenAsync(Multiaddr.Parse("/memory/10"), cts.Token);
        await using IConnectionListener bListener = await b.ListenAsync(Multiaddr.Parse("/memory/20"), cts.Token);
        await using IRawConnection dialer = await a.DialAsync(Multiaddr.Parse("/memory/20/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA"), cts.Token);
        await using IRawConnection accepted = await bListener.AcceptAsync(cts.Token);
        Assert.Equal("/memory/10", accepted.RemoteAddress.ToString());
    }

    [Fact]
    public async Task DialingAnAddressNobodyListensOnFailsClearly()
    {
        var transport = new InMemoryTransport(new InMemoryNetwork());
        var error = await Assert.ThrowsAsync<TransportException>(async () => await transport.DialAsync(Multiaddr.Parse("/memory/77"), CancellationToken.None));
        Assert.Contains("/memory/77", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClosedListenerFreesItsAddress()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var network = new InMemoryNetwork();
        var transport = new InMemoryTransport(network);
        IConnectionListener listener = await transport.ListenAsync(Multiaddr.Parse("/memory/5"), cts.Token);
        await Assert.ThrowsAsync<TransportException>(async () => await transport.ListenAsync(Multiaddr.Parse("/memory/5"), cts.Token));
        ValueTask<IRawConnection> pending = listener.AcceptAsync(cts.Token);
        await listener.DisposeAsync();
        await Assert.ThrowsAsync<TransportException>(async () => await pending);
        await Assert.ThrowsAsync<TransportException>(async () => await transport.DialAsync(Multiaddr.Parse("/memory/5"), cts.Token));
        await using IConnectionListener again = await transport.ListenAsync(Multiaddr.Parse("/memory/5"), cts.Token);
    }

    [Fact]
    public void UnderstandsOnlyMemoryAddresses()
    {
        var transport = new InMemoryTransport(new InMemoryNetwork());
        Assert.True(transport.CanDial(Multiaddr.Parse("/memory/3")));
        Assert.False(transport.CanDial(Multiaddr.Parse("/memory/0")));
        Assert.True(transport.CanListen(Multiaddr.Parse("/memory/0")));
        Assert.False(transport.CanDial(Multiaddr.Parse("/ip4/127.0.0.1/tcp/1")));
    }

    [Fact]
    public async Task LatencyDelaysDeliveryOnTheNetworkClock()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var time = new TimerCountingTimeProvider();
        var network = new InMemoryNetwork(time, new InMemoryLinkOptions { Latency = TimeSpan.FromMilliseconds(100) });
        var transport = new InMemoryTransport(network);
        await using IConnectionListener listener = await transport.ListenAsync(Multiaddr.Parse("/memory/0"), cts.Token);
        await using IRawConnection dialer = await new InMemoryTransport(network).DialAsync(listener.ListenAddress, cts.Token);
        await using IRawConnection accepted = await listener.AcceptAsync(cts.Token);

        DateTimeOffset start = time.GetUtcNow();
        await dialer.Output.WriteAsync(new byte[] { 42 }, cts.Token);
        Task<System.IO.Pipelines.ReadResult> read = accepted.Input.ReadAsync(cts.Token).AsTask();
        // The link's delivery loop parks the byte on the network clock: only that clock can release it.
        await Polling.WaitUntilAsync(() => time.ArmedTimers == 1);
        Assert.False(read.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Equal(1, time.ArmedTimers); // 99 ms in, the delivery is still waiting
        Assert.False(read.IsCompleted);

        // The delivery timer may be armed a little after the write on the fake clock, so allow some slack above 100 ms.
        TimeSpan elapsed = await AdvanceUntilCompletedAsync(time, read, start, cts.Token);
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200));
        Assert.Equal(new byte[] { 42 }, (await read).Buffer.ToArray());
    }

    [Fact]
    public async Task ARateLimitSpacesOutDeliveryAndAPerLinkSettingOverridesTheDefault()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var time = new TimerCountingTimeProvider();
        var network = new InMemoryNetwork(time);
        var a = new InMemoryTransport(network);
        var b = new InMemoryTransport(network);
        await using IConnectionListener aListener = await a.ListenAsync(Multiaddr.Parse("/memory/1"), cts.Token);
        await using IConnectionListener bListener = await b.ListenAsync(Multiaddr.Parse("/memory/2"), cts.Token);
        network.SetLink(aListener.ListenAddress, bListener.ListenAddress, new InMemoryLinkOptions { BytesPerSecond = 1000 });
        await using IRawConnection dialer = await a.DialAsync(bListener.ListenAddress, cts.Token);
        await using IRawConnection accepted = await bListener.AcceptAsync(cts.Token);

        DateTimeOffset start = time.GetUtcNow();
        await dialer.Output.WriteAsync(new byte[500], cts.Token);
        Task<System.IO.Pipelines.ReadResult> read = accepted.Input.ReadAsync(cts.Token).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(499));
        // Whether the delivery loop took the bytes before or after that advance, they wait on the network clock.
        await Polling.WaitUntilAsync(() => time.ArmedTimers == 1);
        Assert.False(read.IsCompleted);

        // 500 bytes at 1000 B/s take 500 ms (plus slack for the delivery timer being armed late on the fake clock).
        TimeSpan elapsed = await AdvanceUntilCompletedAsync(time, read, start, cts.Token);
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(1000));
        Assert.Equal(500, (await read).Buffer.Length);
    }

    [Fact]
    public async Task AWriterThatOutrunsTheReaderIsStalledByTheBuffer()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var network = new InMemoryNetwork(defaultLink: new InMemoryLinkOptions { Latency = TimeSpan.FromMilliseconds(1), BufferSize = 64 * 1024 });
        var transport = new InMemoryTransport(network);
        await using IConnectionListener listener = await transport.ListenAsync(Multiaddr.Parse("/memory/0"), cts.Token);
        await using IRawConnection dialer = await new InMemoryTransport(network).DialAsync(listener.ListenAddress, cts.Token);
        await using IRawConnection accepted = await listener.AcceptAsync(cts.Token);

        long written = 0;
        int waiting = 0;
        Task writer = Task.Run(async () =>
        {
            byte[] block = new byte[8 * 1024];
            for (int i = 0; i < 512; i++)
            {
                ValueTask<System.IO.Pipelines.FlushResult> flush = dialer.Output.WriteAsync(block, cts.Token);
                Volatile.Write(ref waiting, flush.IsCompleted ? 0 : 1);
                await flush;
                Volatile.Write(ref waiting, 0);
                Interlocked.Add(ref written, block.Length);
            }

            await dialer.Output.CompleteAsync();
        });

        // Stalled for good: the reader's pipe is full (nothing reads it), so the link delivers nothing more and frees
        // no room, and the writer waits for room.
        await Polling.WaitUntilAsync(() => Unread(accepted.Input) >= 64 * 1024 && Volatile.Read(ref waiting) == 1);
        Assert.False(writer.IsCompleted);
        Assert.InRange(Interlocked.Read(ref written), 64 * 1024, 3 * 64 * 1024);
        Assert.Equal(512 * 8 * 1024, (await PipeContent.ReadToEndAsync(accepted.Input, cts.Token)).Length);
        await writer;
    }

    /// <summary>What the reader could read now, left unread.</summary>
    private static long Unread(System.IO.Pipelines.PipeReader reader)
    {
        if (!reader.TryRead(out System.IO.Pipelines.ReadResult result))
        {
            return 0;
        }
        long length = result.Buffer.Length;
        reader.AdvanceTo(result.Buffer.Start);
        return length;
    }

    private static async Task<TimeSpan> AdvanceUntilCompletedAsync(FakeTimeProvider time, Task task, DateTimeOffset start, CancellationToken cancellationToken)
    {
        while (!task.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
            await Task.WhenAny(task, Task.Delay(2, cancellationToken));
        }

        return time.GetUtcNow() - start;
    }
}
