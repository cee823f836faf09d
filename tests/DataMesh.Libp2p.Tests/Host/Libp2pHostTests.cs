using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Multistream;
using DataMesh.Libp2p.Noise;
using DataMesh.Libp2p.Protocols.Identify;

namespace DataMesh.Libp2p.Tests.Host;

public sealed class Libp2pHostTests
{
    private static CancellationToken Timeout(int seconds = 20) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Dial_ThenIdentify_BothSidesLearnAgentAndProtocols(bool tcp)
    {
        await using var kit = new HostTestKit { UseTcp = tcp };
        Libp2pHost a = await kit.StartHostAsync(HostOptions.Default with { AgentVersion = "datamesh/test-a" });
        Libp2pHost b = await kit.StartHostAsync(HostOptions.Default with { AgentVersion = "datamesh/test-b" });

        Connection connection = await a.DialAsync(HostTestKit.AddressOf(b), Timeout());
        IdentifyInfo seenByA = await connection.Identified.WaitAsync(Timeout());

        Assert.Equal(b.PeerId, connection.RemotePeer);
        Assert.Equal("datamesh/test-b", seenByA.AgentVersion);
        Assert.Contains(HostTestKit.EchoProtocol, seenByA.Protocols);
        Assert.Contains(IdentifyProtocol.ProtocolId, seenByA.Protocols);
        Assert.Equal("datamesh/test-b", a.Peers.Get(b.PeerId)?.AgentVersion);

        Connection? inbound = await Polling.WaitForAsync(() => b.GetConnection(a.PeerId));
        IdentifyInfo seenByB = await inbound.Identified.WaitAsync(Timeout());
        Assert.Equal("datamesh/test-a", seenByB.AgentVersion);
        Assert.Equal(ConnectionDirection.Inbound, inbound.Direction);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Ping_ReturnsRoundTripTime(bool tcp)
    {
        await using var kit = new HostTestKit { UseTcp = tcp };
        Libp2pHost a = await kit.StartHostAsync();
        Libp2pHost b = await kit.StartHostAsync();
        await a.DialAsync(HostTestKit.AddressOf(b), Timeout());

        TimeSpan rtt = await a.PingAsync(b.PeerId, Timeout());

        Assert.True(rtt > TimeSpan.Zero && rtt < TimeSpan.FromSeconds(5), $"rtt {rtt}");
    }

    [Theory]
    [InlineData(false, 4 * 1024 * 1024 + 17)]
    [InlineData(true, 4 * 1024 * 1024 + 17)]
    [InlineData(true, 200 * 1024)]
    [InlineData(true, 600 * 1024)]
    public async Task CustomProtocol_EchoesFourMebibytesByteExact(bool tcp, int size)
    {
        await using var kit = new HostTestKit { UseTcp = tcp };
        Libp2pHost a = await kit.StartHostAsync();
        Libp2pHost b = await kit.StartHostAsync();
        await a.DialAsync(HostTestKit.AddressOf(b), Timeout());
        byte[] data = new byte[size];
        new Random(7).NextBytes(data);

        await using Libp2pStream stream = await a.OpenStreamAsync(b.PeerId, HostTestKit.EchoProtocol, Timeout());
        byte[] echoed = await EchoStreams.EchoThroughAsync(stream, data, Timeout());

        Assert.Equal(HostTestKit.EchoProtocol, stream.Protocol);
        Assert.True(data.AsSpan().SequenceEqual(echoed));
    }

    [Fact]
    public async Task ManyConcurrentStreams_AllEchoCorrectly()
    {
        await using var kit = new HostTestKit();
        Libp2pHost a = await kit.StartHostAsync();
        Libp2pHost b = await kit.StartHostAsync();
        await a.DialAsync(HostTestKit.AddressOf(b), Timeout());

        await Task.WhenAll(Enumerable.Range(0, 32).Select(async i =>
        {
            byte[] data = new byte[64 * 1024 + i];
            new Random(i).NextBytes(data);
            await using Libp2pStream stream = await a.OpenStreamAsync(b.PeerId, HostTestKit.EchoProtocol, Timeout());
            byte[] echoed = await EchoStreams.EchoThroughAsync(stream, data, Timeout());
            Assert.Equal(data, echoed);
        }));
    }

    [Fact]
    public async Task OpenStream_UnsupportedProtocol_FailsClearly()
    {
        await using var kit = new HostTestKit();
        Libp2pHost a = await kit.StartHostAsync();
        Libp2pHost b = await kit.StartHostAsync();
        await a.DialAsync(HostTestKit.AddressOf(b), Timeout());

        var error = await Assert.ThrowsAsync<ProtocolNegotiationException>(() => a.OpenStreamAsync(b.PeerId, "/nobody/1.0.0", Timeout()));
        Assert.Contains("/nobody/1.0.0", error.Message);
        // The connection survives a refused protocol.
        Assert.True(await a.PingAsync(b.PeerId, Timeout()) > TimeSpan.Zero);
    }

    [Fact]
    public async Task Dial_WithWrongPeerId_FailsWithMismatch()
    {
        await using var kit = new HostTestKit();
        Libp2pHost a = await kit.StartHostAsync();
        Libp2pHost b = await kit.StartHostAsync();
        using DataMesh.Libp2p.Identity.Identity stranger = DataMesh.Libp2p.Identity.Identity.Generate();

        Multiaddr lie = b.ListenAddresses[0].WithPeerId(stranger.PeerId);
        await Assert.ThrowsAsync<PeerIdMismatchException>(() => a.DialAsync(lie, Timeout()));
        Assert.Empty(a.Connections);
    }

    [Fact]
    public async Task Dial_NobodyListening_IsUnreachable()
    {
        await using var kit = new HostTestKit { UseTcp = true };
        Libp2pHost a = await kit.StartHostAsync();
        var error = await Assert.ThrowsAsync<PeerUnreachableException>(() => a.DialAsync(Multiaddr.Parse("/ip4/127.0.0.1/tcp/1"), Timeout()));
        Assert.Contains("/ip4/127.0.0.1/tcp/1", error.Message);
    }

    [Fact]
    public async Task ConnectAsync_UnknownPeer_SaysNoAddressIsKnown()
    {
        await using var kit = new HostTestKit();
        Libp2pHost a = await kit.StartHostAsync();
        using DataMesh.Libp2p.Identity.Identity stranger = DataMesh.Libp2p.Identity.Identity.Generate();
        var error = await Assert.ThrowsAsync<PeerUnreachableException>(() => a.ConnectAsync(stranger.PeerId, Timeout()));
        Assert.Contains("No address", error.Message);
    }

    [Fact]
    public async Task Dial_SameAddressTwice_ReusesTheConnection()
    {
        await using var kit = new HostTestKit();
        Libp2pHost a = await kit.StartHostAsync();
        Libp2pHost b = await kit.StartHostAsync();
        Connection first = await a.DialAsync(HostTestKit.AddressOf(b), Timeout());
        Connection second = await a.DialAsync(HostTestKit.AddressOf(b), Timeout());
        Assert.Same(first, second);
    }

    [Fact]
    public async Task RemoteDisposes_ConnectionIsRemovedOnBothSides()
    {
        await using var kit = new HostTestKit();
        Libp2pHost a = await kit.StartHostAsync();
        Libp2pHost b = await kit.StartHostAsync();
        Connection connection = await a.DialAsync(HostTestKit.AddressOf(b), Timeout());
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        a.ConnectionClosed += c => closed.TrySetResult();

        Connection inbound = await Polling.WaitForAsync(() => b.GetConnection(a.PeerId));
        await inbound.DisposeAsync();

        await closed.Task.WaitAsync(Timeout());
        await connection.Completion.WaitAsync(Timeout());
        Assert.Empty(a.Connections);
        Assert.Null(b.GetConnection(a.PeerId));
    }

    [Fact]
    public async Task StreamHandlerThatThrows_LosesOnlyItsStream()
    {
        await using var kit = new HostTestKit();
        Libp2pHost a = await kit.StartHostAsync();
        Libp2pHost b = await kit.StartHostAsync();
        b.SetStreamHandler("/test/boom/1.0.0", (_, _) => throw new InvalidOperationException("handler bug"));
        await a.DialAsync(HostTestKit.AddressOf(b), Timeout());

        try
        {
            await using Libp2pStream boom = await a.OpenStreamAsync(b.PeerId, "/test/boom/1.0.0", Timeout());
            ReadResultOrError outcome = await ReadToEndAsync(boom);
            Assert.True(outcome.Reset || outcome.Ended);
        }
        catch (Libp2pException)
        {
            // The reset may overtake the negotiation answer: the stream is lost either way, which is the point.
        }
        Assert.True(await a.PingAsync(b.PeerId, Timeout()) > TimeSpan.Zero);
    }

    internal readonly record struct ReadResultOrError(bool Ended, bool Reset);

    private static async Task<ReadResultOrError> ReadToEndAsync(Libp2pStream stream)
    {
        try
        {
            while (true)
            {
                var result = await stream.Input.ReadAsync(Timeout());
                stream.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return new ReadResultOrError(true, false);
                }
            }
        }
        catch (Libp2pException)
        {
            return new ReadResultOrError(false, true);
        }
    }
}
