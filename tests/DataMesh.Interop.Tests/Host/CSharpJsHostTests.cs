using DataMesh.Interop.Tests.Harness;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Protocols.Identify;
using Xunit.Abstractions;
using PeerId = DataMesh.Libp2p.Identity.PeerId;

namespace DataMesh.Interop.Tests.Host;

/// <summary>Our libp2p host against js-libp2p 3.3.11, both directions: TCP, multistream-select, Noise, Yamux,
/// Identify, Ping and a custom protocol carrying 64 MiB byte-exact.</summary>
[Trait("Category", "Interop")]
public sealed class CSharpJsHostTests(ITestOutputHelper output)
{
    private const int BulkBytes = 64 * 1024 * 1024;
    private static readonly TimeSpan TestLimit = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task CSharpDialsJs_IdentifiesAndPings()
    {
        using var limit = new CancellationTokenSource(TestLimit);
        await using var js = await JsNode.StartAsync(new JsNodeOptions { AgentVersion = "js-peer/1.0" }, limit.Token);
        await using var cs = await CSharpHost.StartAsync();

        Connection connection = await cs.Host.DialAsync(Multiaddr.Parse(js.Addresses[0]), limit.Token);
        IdentifyInfo identified = await connection.Identified.WaitAsync(limit.Token);
        TimeSpan rtt = await cs.Host.PingAsync(connection.RemotePeer, limit.Token);

        Assert.Equal(js.PeerId, connection.RemotePeer.ToString());
        Assert.Equal("js-peer/1.0", identified.AgentVersion);
        Assert.Contains("/ipfs/ping/1.0.0", identified.Protocols);
        Assert.Contains(CSharpHost.EchoProtocol, identified.Protocols);
        Assert.NotNull(identified.ObservedAddress);
        Assert.InRange(rtt, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(5));
        output.WriteLine($"C# -> js ping {rtt.TotalMilliseconds:0.00} ms");
    }

    [Fact]
    public async Task JsDialsCSharp_IdentifiesAndPings()
    {
        using var limit = new CancellationTokenSource(TestLimit);
        await using var cs = await CSharpHost.StartAsync("datamesh/interop-7");
        await using var js = await JsNode.StartAsync(cancellationToken: limit.Token);

        JsConnection connection = await js.DialAsync(cs.Address, cancellationToken: limit.Token);
        IReadOnlyList<double> rtts = await js.PingAsync(cs.Host.PeerId.ToString(), count: 3, cancellationToken: limit.Token);
        JsIdentifyResult identified = await js.IdentifyAsync(cs.Host.PeerId.ToString(), cancellationToken: limit.Token);

        Assert.Equal(cs.Host.PeerId.ToString(), connection.PeerId);
        Assert.Equal("/noise", connection.Encryption);
        Assert.Equal("/yamux/1.0.0", connection.Multiplexer);
        Assert.Equal(3, rtts.Count);
        Assert.Equal("datamesh/interop-7", identified.AgentVersion);
        Assert.Contains("/ipfs/id/1.0.0", identified.Protocols);
        Assert.Contains(CSharpHost.EchoProtocol, identified.Protocols);
        Assert.Contains(identified.ListenAddrs, a => cs.Address.StartsWith(a, StringComparison.Ordinal));
        // Our side learned js's identity through its Identify answer on the inbound connection.
        Connection inbound = cs.Host.GetConnection(PeerId.Parse(js.PeerId))!;
        Assert.Equal(ConnectionDirection.Inbound, inbound.Direction);
        Assert.Equal(js.AgentVersion, (await inbound.Identified.WaitAsync(limit.Token)).AgentVersion);
    }

    [Fact]
    public async Task CSharpStreamsSixtyFourMebibytesThroughJsEcho_ByteExact()
    {
        using var limit = new CancellationTokenSource(TestLimit);
        await using var js = await JsNode.StartAsync(cancellationToken: limit.Token);
        await using var cs = await CSharpHost.StartAsync();
        byte[] data = new byte[BulkBytes];
        new Random(64).NextBytes(data);

        Connection connection = await cs.Host.DialAsync(Multiaddr.Parse(js.Addresses[0]), limit.Token);
        await using Libp2pStream stream = await connection.OpenStreamAsync(CSharpHost.EchoProtocol, limit.Token);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        byte[] echoed = await EchoStreams.EchoThroughAsync(stream, data, limit.Token);

        Assert.Equal(data.Length, echoed.Length);
        Assert.True(data.AsSpan().SequenceEqual(echoed), "the echo differs from what was sent");
        output.WriteLine($"64 MiB through js echo in {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task CSharpOpensOptimisticStreamsWithALargeWindowToJs_ByteExact()
    {
        using var limit = new CancellationTokenSource(TestLimit);
        await using var js = await JsNode.StartAsync(cancellationToken: limit.Token);
        await using var cs = await CSharpHost.StartAsync();
        Connection connection = await cs.Host.DialAsync(Multiaddr.Parse(js.Addresses[0]), limit.Token);
        Assert.Contains(CSharpHost.EchoProtocol, (await connection.Identified.WaitAsync(limit.Token)).Protocols);

        // js-libp2p's listener must take the proposal and the first data in one write, and its yamux must accept
        // the 4 MiB window our SYN grants (it sends more than 256 KiB before any further update).
        var options = new StreamOpenOptions { Optimistic = true, ReceiveWindow = 4 * 1024 * 1024 };
        for (int round = 0; round < 3; round++)
        {
            byte[] data = new byte[(3 * 1024 * 1024) + round];
            new Random(round).NextBytes(data);
            await using Libp2pStream stream = await connection.OpenStreamAsync(CSharpHost.EchoProtocol, options, limit.Token);
            byte[] echoed = await EchoStreams.EchoThroughAsync(stream, data, limit.Token);
            Assert.True(data.AsSpan().SequenceEqual(echoed), $"round {round}: the echo differs from what was sent");
        }
    }

    [Fact]
    public async Task JsStreamsSixtyFourMebibytesThroughCSharpEcho_ByteExact()
    {
        using var limit = new CancellationTokenSource(TestLimit);
        await using var cs = await CSharpHost.StartAsync();
        await using var js = await JsNode.StartAsync(cancellationToken: limit.Token);

        JsTransferResult result = await js.EchoAsync(cs.Address, BulkBytes, seed: 9, cancellationToken: limit.Token);

        Assert.Equal(BulkBytes, result.Bytes);
        output.WriteLine($"js -> C# echo: {result.MbPerSec:0.0} MB/s");
    }

    [Fact]
    public async Task Secp256k1JsPeer_IsVerifiedAndIdentified()
    {
        using var limit = new CancellationTokenSource(TestLimit);
        await using var js = await JsNode.StartAsync(new JsNodeOptions { KeyType = JsKeyType.Secp256k1 }, limit.Token);
        await using var cs = await CSharpHost.StartAsync();

        Connection connection = await cs.Host.DialAsync(Multiaddr.Parse(js.Addresses[0]), limit.Token);
        IdentifyInfo identified = await connection.Identified.WaitAsync(limit.Token);

        Assert.StartsWith("16Uiu2HA", connection.RemotePeer.ToString(), StringComparison.Ordinal);
        Assert.Equal(DataMesh.Libp2p.Identity.KeyType.Secp256k1, connection.RemotePublicKey.Type);
        Assert.Equal(js.AgentVersion, identified.AgentVersion);
        Assert.True(await cs.Host.PingAsync(connection.RemotePeer, limit.Token) > TimeSpan.Zero);
        // And the other way round: the js secp256k1 node dials us.
        await js.DialAsync(cs.Address, cancellationToken: limit.Token);
        Assert.Single(await js.PingAsync(cs.Host.PeerId.ToString(), cancellationToken: limit.Token));
    }

    [Fact]
    public async Task DialingJsUnderAnotherPeerId_FailsWithMismatch()
    {
        using var limit = new CancellationTokenSource(TestLimit);
        await using var js = await JsNode.StartAsync(cancellationToken: limit.Token);
        await using var cs = await CSharpHost.StartAsync();
        using var stranger = DataMesh.Libp2p.Identity.Identity.Generate();
        Multiaddr lie = Multiaddr.Parse(js.Addresses[0]).WithoutPeerId().WithPeerId(stranger.PeerId);

        await Assert.ThrowsAsync<DataMesh.Libp2p.Noise.PeerIdMismatchException>(() => cs.Host.DialAsync(lie, limit.Token));
    }
}
