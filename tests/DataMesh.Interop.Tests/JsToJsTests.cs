using DataMesh.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace DataMesh.Interop.Tests;

/// <summary>Two js-libp2p nodes driven through the harness: proves the harness and the js side before the C# host exists.</summary>
[Trait("Category", "Interop")]
public sealed class JsToJsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan TestLimit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Ed25519AndSecp256k1NodesConnectPingAndIdentifyEachOther()
    {
        using var limit = new CancellationTokenSource(TestLimit);
        await using var a = await JsNode.StartAsync(Options("agent-a/1.0", JsKeyType.Ed25519), limit.Token);
        await using var b = await JsNode.StartAsync(Options("agent-b/2.0", JsKeyType.Secp256k1), limit.Token);
        Assert.Equal("Ed25519", a.KeyType);
        Assert.StartsWith("12D3KooW", a.PeerId, StringComparison.Ordinal);
        Assert.Equal("secp256k1", b.KeyType);
        Assert.StartsWith("16Uiu2HA", b.PeerId, StringComparison.Ordinal);

        var connection = await a.DialAsync(b.Addresses[0], cancellationToken: limit.Token);
        Assert.Equal(b.PeerId, connection.PeerId);
        Assert.Equal("/noise", connection.Encryption);
        Assert.Equal("/yamux/1.0.0", connection.Multiplexer);
        Assert.Contains(await b.ConnectionsAsync(cancellationToken: limit.Token), c => c.PeerId == a.PeerId && c.Direction == "inbound");

        var rtts = await a.PingAsync(b.PeerId, count: 3, cancellationToken: limit.Token);
        Assert.Equal(3, rtts.Count);
        Assert.All(rtts, rtt => Assert.InRange(rtt, 0, 5_000));
        Assert.Single(await b.PingAsync(a.Addresses[0], cancellationToken: limit.Token));

        var bSeenByA = await a.IdentifyAsync(b.PeerId, cancellationToken: limit.Token);
        Assert.Equal(b.PeerId, bSeenByA.PeerId);
        Assert.Equal("agent-b/2.0", bSeenByA.AgentVersion);
        Assert.Contains("/datamesh/echo/1.0.0", bSeenByA.Protocols);
        Assert.Contains("/ipfs/ping/1.0.0", bSeenByA.Protocols);
        Assert.Contains(bSeenByA.ListenAddrs, addr => b.Addresses[0].StartsWith(addr, StringComparison.Ordinal));
        Assert.NotNull(bSeenByA.ObservedAddr);
        Assert.NotNull(bSeenByA.PublicKeyBase64);

        var aSeenByB = await b.IdentifyAsync(a.PeerId, cancellationToken: limit.Token);
        Assert.Equal("agent-a/1.0", aSeenByB.AgentVersion);
        var stored = await b.PeerStoreAsync(a.PeerId, cancellationToken: limit.Token);
        Assert.Equal("agent-a/1.0", stored.AgentVersion);
        Assert.Contains("/datamesh/sink/1.0.0", stored.Protocols);
    }

    [Fact]
    public async Task EchoOf64MiBComesBackByteExactAndSinkCountsEveryByte()
    {
        const long size = 64L * 1024 * 1024;
        using var limit = new CancellationTokenSource(TestLimit);
        await using var a = await JsNode.StartAsync(Options("a", JsKeyType.Ed25519), limit.Token);
        await using var b = await JsNode.StartAsync(Options("b", JsKeyType.Secp256k1), limit.Token);

        var echo = await a.EchoAsync(b.Addresses[0], size, seed: 7, cancellationToken: limit.Token);
        Assert.Equal(size, echo.Bytes);
        Assert.True(echo.MbPerSec > 0);
        output.WriteLine($"echo js->js {size >> 20} MiB: {echo.Ms:0} ms, {echo.MbPerSec:0.0} MB/s each way");

        // an odd size checks the final partial chunk; the other direction reuses the connection
        var sink = await b.SinkAsync(a.PeerId, 3 * 1024 * 1024 + 5, cancellationToken: limit.Token);
        Assert.Equal(3 * 1024 * 1024 + 5, sink.Bytes);
        var empty = await a.EchoAsync(b.PeerId, 0, cancellationToken: limit.Token);
        Assert.Equal(0, empty.Bytes);
    }

    [Fact]
    public async Task BadCommandsComeBackAsErrorsAndTheNodeKeepsWorking()
    {
        using var limit = new CancellationTokenSource(TestLimit);
        await using var a = await JsNode.StartAsync(Options("a", JsKeyType.Ed25519), limit.Token);

        var badPeer = await Assert.ThrowsAsync<JsNodeCommandException>(() => a.PingAsync("not-a-peer-id", cancellationToken: limit.Token));
        Assert.Equal("ping", badPeer.Command);
        Assert.Contains("invalid peer id", badPeer.RemoteError, StringComparison.Ordinal);

        var badAddr = await Assert.ThrowsAsync<JsNodeCommandException>(() => a.DialAsync("/ip4/999.1.1.1/tcp/1", cancellationToken: limit.Token));
        Assert.Contains("invalid multiaddr", badAddr.RemoteError, StringComparison.Ordinal);

        var kadOff = await Assert.ThrowsAsync<JsNodeCommandException>(() => a.GetValueAsync("/dmtest/x", cancellationToken: limit.Token));
        Assert.Contains("kad-dht is off", kadOff.RemoteError, StringComparison.Ordinal);

        var unknown = await Assert.ThrowsAsync<JsNodeCommandException>(() => a.SendAsync("noSuchCommand", cancellationToken: limit.Token));
        Assert.Contains("unknown command", unknown.RemoteError, StringComparison.Ordinal);

        // nobody listens on this port: the dial fails, within the per-command limit
        await Assert.ThrowsAsync<JsNodeCommandException>(
            () => a.DialAsync("/ip4/127.0.0.1/tcp/1/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN", TimeSpan.FromSeconds(10), limit.Token));

        var info = await a.InfoAsync(cancellationToken: limit.Token);
        Assert.Equal(a.PeerId, info.PeerId);
        Assert.Empty(await a.ConnectionsAsync(cancellationToken: limit.Token));
    }

    private JsNodeOptions Options(string agent, JsKeyType keyType) =>
        new() { AgentVersion = agent, KeyType = keyType, StandardErrorLine = output.WriteLine };
}
