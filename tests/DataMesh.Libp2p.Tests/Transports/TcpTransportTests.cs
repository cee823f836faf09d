using System.Diagnostics;
using System.IO.Pipelines;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Transports;
using Xunit.Abstractions;

namespace DataMesh.Libp2p.Tests.Transports;

public sealed class TcpTransportTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly ITestOutputHelper _output;

    public TcpTransportTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task ListensOnAnEphemeralPortDialsAndExchangesData()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var transport = new TcpTransport(new TcpTransportOptions());
        await using IConnectionListener listener = await transport.ListenAsync(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"), cts.Token);
        Assert.StartsWith("/ip4/127.0.0.1/tcp/", listener.ListenAddress.ToString(), StringComparison.Ordinal);
        Assert.NotEqual("/ip4/127.0.0.1/tcp/0", listener.ListenAddress.ToString());

        ValueTask<IRawConnection> accepting = listener.AcceptAsync(cts.Token);
        await using IRawConnection dialer = await transport.DialAsync(listener.ListenAddress, cts.Token);
        await using IRawConnection accepted = await accepting;
        Assert.Equal(listener.ListenAddress, dialer.RemoteAddress);
        Assert.Equal(dialer.LocalAddress, accepted.RemoteAddress);

        await ConnectionAssertions.ExchangeAsync(dialer, accepted, cts.Token);
    }

    [Fact]
    public async Task DialsADnsName()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var transport = new TcpTransport(new TcpTransportOptions());
        await using IConnectionListener listener = await transport.ListenAsync(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"), cts.Token);
        Assert.True(listener.ListenAddress.TryGetTcpEndPoint(out System.Net.EndPoint? endPoint));
        int port = ((System.Net.IPEndPoint)endPoint!).Port;

        ValueTask<IRawConnection> accepting = listener.AcceptAsync(cts.Token);
        await using IRawConnection dialer = await transport.DialAsync(Multiaddr.Parse($"/dns4/localhost/tcp/{port}"), cts.Token);
        await using IRawConnection accepted = await accepting;
        await ConnectionAssertions.ExchangeAsync(dialer, accepted, cts.Token);
    }

    [Fact]
    public async Task ARefusedDialNamesTheAddress()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var transport = new TcpTransport(new TcpTransportOptions());
        Multiaddr closed;
        await using (IConnectionListener listener = await transport.ListenAsync(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"), cts.Token))
        {
            closed = listener.ListenAddress;
        }

        var error = await Assert.ThrowsAsync<TransportException>(async () => await transport.DialAsync(closed, cts.Token));
        Assert.Contains(closed.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Equal(closed, error.Address);
    }

    [Fact]
    public async Task AcceptOnAClosedListenerFailsClearly()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var transport = new TcpTransport(new TcpTransportOptions());
        IConnectionListener listener = await transport.ListenAsync(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"), cts.Token);
        ValueTask<IRawConnection> pending = listener.AcceptAsync(cts.Token);
        await listener.DisposeAsync();
        await Assert.ThrowsAsync<TransportException>(async () => await pending);
    }

    [Fact]
    public async Task DisposingAConnectionEndsThePeersInput()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var transport = new TcpTransport(new TcpTransportOptions());
        await using IConnectionListener listener = await transport.ListenAsync(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"), cts.Token);
        ValueTask<IRawConnection> accepting = listener.AcceptAsync(cts.Token);
        IRawConnection dialer = await transport.DialAsync(listener.ListenAddress, cts.Token);
        await using IRawConnection accepted = await accepting;
        await dialer.Output.WriteAsync(new byte[] { 1, 2, 3 }, cts.Token);
        await dialer.DisposeAsync();
        Assert.Equal(new byte[] { 1, 2, 3 }, await PipeContent.ReadToEndAsync(accepted.Input, cts.Token));
    }

    [Theory]
    [InlineData("/memory/5")]
    [InlineData("/ip4/127.0.0.1/udp/5")]
    [InlineData("/ip4/127.0.0.1/tcp/5/ws")]
    public void RejectsNonTcpAddresses(string text)
    {
        var transport = new TcpTransport(new TcpTransportOptions());
        var address = Multiaddr.Parse(text);
        Assert.False(transport.CanDial(address));
        Assert.False(transport.CanListen(address));
        Assert.Throws<TransportException>(() => transport.ListenAsync(address, CancellationToken.None).AsTask().GetAwaiter().GetResult());
    }

    [Fact]
    public void UnderstandsTcpShapes()
    {
        var transport = new TcpTransport(new TcpTransportOptions());
        Assert.True(transport.CanDial(Multiaddr.Parse("/ip6/::1/tcp/4001")));
        Assert.True(transport.CanDial(Multiaddr.Parse("/dns6/example.org/tcp/4001")));
        Assert.True(transport.CanListen(Multiaddr.Parse("/ip4/0.0.0.0/tcp/0")));
        Assert.False(transport.CanListen(Multiaddr.Parse("/dns4/example.org/tcp/4001")));
    }

    [Fact]
    public async Task LoopbackThroughput()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var transport = new TcpTransport(new TcpTransportOptions());
        await using IConnectionListener listener = await transport.ListenAsync(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"), cts.Token);
        ValueTask<IRawConnection> accepting = listener.AcceptAsync(cts.Token);
        await using IRawConnection dialer = await transport.DialAsync(listener.ListenAddress, cts.Token);
        await using IRawConnection accepted = await accepting;

        const int total = 32 * 1024 * 1024;
        byte[] block = new byte[128 * 1024];
        var stopwatch = Stopwatch.StartNew();
        Task send = Task.Run(async () =>
        {
            for (int sent = 0; sent < total; sent += block.Length)
            {
                await dialer.Output.WriteAsync(block, cts.Token);
            }

            await dialer.Output.CompleteAsync();
        });

        long received = 0;
        while (true)
        {
            ReadResult result = await accepted.Input.ReadAsync(cts.Token);
            received += result.Buffer.Length;
            accepted.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await send;
        Assert.Equal(total, received);
        _output.WriteLine($"TCP loopback: 32 MiB in {stopwatch.ElapsedMilliseconds} ms = {total / 1024.0 / 1024 / stopwatch.Elapsed.TotalSeconds:F0} MiB/s");
    }
}
