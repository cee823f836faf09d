using System.Net;
using System.Net.Sockets;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Tests.Host;

/// <summary>Peers that stall, send garbage or never answer lose their connection; the host keeps serving others.</summary>
public sealed class HostBadPeerTests
{
    private static readonly HostOptions FastTimeouts = HostOptions.Default with
    {
        HandshakeTimeout = TimeSpan.FromMilliseconds(500),
        InboundHandshakeTimeout = TimeSpan.FromMilliseconds(500),
        DialTimeout = TimeSpan.FromSeconds(2),
    };

    private static CancellationToken Timeout(int seconds = 20) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task InboundPeerThatStallsMidHandshake_IsDisconnected()
    {
        await using var kit = new HostTestKit { UseTcp = true };
        Libp2pHost host = await kit.StartHostAsync(FastTimeouts);
        using var client = new TcpClient();
        await client.ConnectAsync(TcpEndPoint(host), Timeout());
        NetworkStream stream = client.GetStream();
        // Start multistream-select, then go silent.
        await stream.WriteAsync("\u0013/multistream/1.0.0\n"u8.ToArray(), Timeout());

        Assert.True(await ReadsToEndAsync(stream, TimeSpan.FromSeconds(10)), "the host should close a stalled handshake");
        Assert.Empty(host.Connections);
    }

    [Fact]
    public async Task InboundGarbage_ClosesThatConnection_HostStillServes()
    {
        await using var kit = new HostTestKit { UseTcp = true };
        // A handshake timeout well beyond the 10 s read below: the close must come from rejecting the garbage, not
        // from a timeout, and the honest dial afterwards must not be cut short on a slow machine.
        Libp2pHost host = await kit.StartHostAsync(HostOptions.Default with { HandshakeTimeout = TimeSpan.FromSeconds(60), InboundHandshakeTimeout = TimeSpan.FromSeconds(60) });
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(TcpEndPoint(host), Timeout());
            NetworkStream stream = client.GetStream();
            byte[] garbage = new byte[64 * 1024];
            new Random(3).NextBytes(garbage);
            garbage[0] = 0xFF; // an over-long varint prefix: no valid multistream message starts like this
            try
            {
                await stream.WriteAsync(garbage, Timeout());
            }
            catch (IOException)
            {
                // the host may already have closed the socket: that is the point
            }
            Assert.True(await ReadsToEndAsync(stream, TimeSpan.FromSeconds(10)));
        }

        Libp2pHost other = await kit.StartHostAsync();
        await other.DialAsync(HostTestKit.AddressOf(host), Timeout());
        Assert.True(await other.PingAsync(host.PeerId, Timeout()) > TimeSpan.Zero);
    }

    [Fact]
    public async Task OutboundDialToSilentListener_TimesOutClearly()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        Task<Socket> accepted = silent.AcceptSocketAsync(Timeout()).AsTask();
        await using var kit = new HostTestKit { UseTcp = true };
        Libp2pHost host = await kit.StartHostAsync(FastTimeouts);
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;

        await Assert.ThrowsAsync<HandshakeTimeoutException>(() => host.DialAsync(Multiaddr.Parse($"/ip4/127.0.0.1/tcp/{port}"), Timeout()));
        (await accepted).Dispose();
    }

    [Fact]
    public async Task ConnectionLimit_RefusesExtraInboundConnections()
    {
        await using var kit = new HostTestKit();
        Libp2pHost limited = await kit.StartHostAsync(HostOptions.Default with { MaxConnections = 1 });
        Libp2pHost first = await kit.StartHostAsync();
        Libp2pHost second = await kit.StartHostAsync();
        await first.DialAsync(HostTestKit.AddressOf(limited), Timeout());
        await Polling.WaitForAsync(() => limited.GetConnection(first.PeerId));

        await Assert.ThrowsAnyAsync<Libp2pException>(async () =>
        {
            await second.DialAsync(HostTestKit.AddressOf(limited), Timeout());
            await second.PingAsync(limited.PeerId, Timeout());
        });
        Assert.Single(limited.Connections);
    }

    private static IPEndPoint TcpEndPoint(Libp2pHost host)
    {
        Assert.True(host.ListenAddresses[0].TryGetTcpEndPoint(out EndPoint? endPoint));
        return (IPEndPoint)endPoint!;
    }

    private static async Task<bool> ReadsToEndAsync(NetworkStream stream, TimeSpan within)
    {
        using var deadline = new CancellationTokenSource(within);
        byte[] buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, deadline.Token) > 0)
            {
            }
            return true;
        }
        catch (IOException)
        {
            return true; // reset by the host
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
