using System.Net;
using System.Net.Sockets;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Yamux;

namespace DataMesh.Libp2p.Tests.Host;

/// <summary>Hostile peers over loopback TCP cannot lock legitimate peers out: silent sockets hold only their own
/// network's share of pending handshakes and are dropped at the deadline; connections pinned by idle streams make
/// room for newcomers and their streams are reset; every scope is released when the attacker leaves.</summary>
public sealed class HostLockOutTests
{
    /// <summary>The attacker's source address: a different loopback address stands for a different remote network,
    /// as every loopback address is its own scope (AddressPrefix).</summary>
    private static readonly IPAddress AttackerAddress = IPAddress.Parse("127.0.0.2");

    private static CancellationToken Timeout(int seconds = 30) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task SilentSocketsReopenedAsSoonAsDropped_DoNotKeepALegitimatePeerOut()
    {
        CancellationToken timeout = Timeout();
        await using var kit = new HostTestKit { UseTcp = true };
        Libp2pHost victim = await kit.StartHostAsync(HostOptions.Default with { InboundHandshakeTimeout = TimeSpan.FromSeconds(1) });
        Assert.True(victim.ListenAddresses[0].TryGetTcpEndPoint(out EndPoint? endPoint));

        using var stopAttack = CancellationTokenSource.CreateLinkedTokenSource(timeout);
        var attacker = new SilentSocketAttacker((IPEndPoint)endPoint!, sockets: 64);
        Task attack = attacker.RunAsync(stopAttack.Token);
        // Under way: the victim has dropped sockets (over the address's share, or past the deadline) and they came back.
        while (attacker.Closed < 128)
        {
            await Task.Delay(20, timeout);
        }
        Assert.InRange(victim.Resources.Usage.PendingHandshakes, 0, victim.Options.MaxPendingInboundHandshakesPerAddress);

        Libp2pHost honest = await kit.StartHostAsync();
        await honest.DialAsync(HostTestKit.AddressOf(victim), Timeout(10));
        Assert.True(await honest.PingAsync(victim.PeerId, Timeout(10)) > TimeSpan.Zero);

        // Sockets the victim accepted into its handshake pool were closed by the deadline, not only refused ones.
        while (attacker.ClosedAfterHolding == 0)
        {
            await Task.Delay(20, timeout);
        }
        await stopAttack.CancelAsync();
        await attack;
        await Polling.WaitUntilAsync(() => victim.Resources.Usage == new ResourceUsage(0, 1, 0, 1, 0), cancellationToken: timeout);
    }

    [Fact]
    public async Task ConnectionsPinnedByIdleStreams_MakeRoomForANewPeer_AndTheirStreamsAreReset()
    {
        CancellationToken timeout = Timeout();
        await using var kit = new HostTestKit { UseTcp = true };
        Libp2pHost victim = await kit.StartHostAsync(new HostOptions
        {
            MaxConnections = 6,
            StreamIdleTimeout = TimeSpan.FromSeconds(3),
            ConnectionManager = new ConnectionManagerOptions
            {
                // The watermarks never trim here: only a newcomer at the hard limit makes room.
                LowWatermark = 6,
                HighWatermark = 6,
                GracePeriod = TimeSpan.FromMilliseconds(300),
                RecentTrafficWindow = TimeSpan.FromMilliseconds(300),
                CheckInterval = TimeSpan.FromMilliseconds(100),
            },
        });

        // Three attacker identities, two connections each, one stream each that echoes a byte and then idles.
        var pinned = new List<Libp2pStream>();
        for (int a = 0; a < 3; a++)
        {
            Libp2pHost attacker = await kit.StartHostAsync();
            for (int c = 0; c < 2; c++)
            {
                Connection connection = await attacker.DialAsync(victim.ListenAddresses[0], timeout);
                Libp2pStream stream = await connection.OpenStreamAsync(HostTestKit.EchoProtocol, timeout);
                await stream.Output.WriteAsync(new byte[] { 7 }, timeout);
                System.IO.Pipelines.ReadResult echo = await stream.Input.ReadAsync(timeout);
                Assert.Equal(7, echo.Buffer.FirstSpan[0]);
                stream.Input.AdvanceTo(echo.Buffer.End);
                pinned.Add(stream);
            }
        }
        await Polling.WaitUntilAsync(() => victim.Connections.Count == 6, cancellationToken: timeout);
        await Task.Delay(TimeSpan.FromMilliseconds(600), timeout); // past the grace period and the traffic window

        Libp2pHost honest = await kit.StartHostAsync();
        await honest.DialAsync(HostTestKit.AddressOf(victim), Timeout(10));
        Assert.True(await honest.PingAsync(victim.PeerId, Timeout(10)) > TimeSpan.Zero);
        Assert.True(victim.IsConnected(honest.PeerId));
        Assert.True(victim.TrimmedConnections >= 1);
        Assert.InRange(victim.Connections.Count, 1, 6);

        // The pinned streams on the connections that remain are reset once idle for the timeout (those trimmed
        // to make room ended with their session).
        int reset = 0;
        foreach (Libp2pStream stream in pinned)
        {
            Exception? error = await Record.ExceptionAsync(async () => await stream.Input.ReadAsync(timeout));
            Assert.True(error is YamuxStreamResetException or YamuxSessionClosedException, error?.ToString() ?? "read completed");
            reset += error is YamuxStreamResetException ? 1 : 0;
        }
        Assert.True(reset >= pinned.Count - victim.TrimmedConnections, $"{reset} reset, {victim.TrimmedConnections} trimmed");
        await Polling.WaitUntilAsync(() => victim.Resources.Usage.InboundStreams == 0, cancellationToken: timeout);
    }

    [Fact]
    public async Task EveryScopeIsReleasedWhenTheAttackerLeaves()
    {
        CancellationToken timeout = Timeout();
        await using var kit = new HostTestKit { UseTcp = true };
        Libp2pHost victim = await kit.StartHostAsync(HostOptions.Default with { MaxConnectionsPerPeer = 3 });
        var attacker = new Libp2pHost(DataMesh.Libp2p.Identity.Identity.Generate(), [new DataMesh.Libp2p.Transports.TcpTransport(new())]);
        await using (attacker)
        {
            // Connections up to the victim's per-peer limit, streams left open on each; the fourth is refused.
            for (int c = 0; c < 3; c++)
            {
                Connection connection = await attacker.DialAsync(victim.ListenAddresses[0], timeout);
                await connection.OpenStreamAsync(HostTestKit.EchoProtocol, timeout);
            }
            await Polling.WaitUntilAsync(() => victim.Resources.Usage.InboundStreams == 3, cancellationToken: timeout);
            Connection extra = await attacker.DialAsync(victim.ListenAddresses[0], timeout);
            await extra.Completion.WaitAsync(timeout); // the victim refused it after the handshake
            // (its handshake lease goes a moment after the socket closes)
            await Polling.WaitUntilAsync(() => victim.Resources.Usage.PendingHandshakes == 0, cancellationToken: timeout);
            Assert.Equal(new ResourceUsage(0, 3, 3, 1, 0), victim.Resources.Usage);
        }
        await Polling.WaitUntilAsync(() => victim.Resources.Usage == default, cancellationToken: timeout);
        Assert.Empty(victim.Connections);
    }

    [Fact]
    public async Task OurOwnDialsRespectThePerPeerLimit()
    {
        await using var kit = new HostTestKit();
        Libp2pHost dialer = await kit.StartHostAsync(HostOptions.Default with { MaxConnectionsPerPeer = 2 });
        Libp2pHost remote = await kit.StartHostAsync();
        await dialer.DialAsync(remote.ListenAddresses[0], Timeout());
        await dialer.DialAsync(remote.ListenAddresses[0], Timeout());
        await Assert.ThrowsAsync<ConnectionLimitException>(() => dialer.DialAsync(remote.ListenAddresses[0], Timeout()));
        Assert.Equal(2, dialer.Resources.Usage.Connections);
    }

    /// <summary>Keeps <c>sockets</c> TCP connections open to the victim from <see cref="AttackerAddress"/>, sending
    /// nothing, and reopens each as soon as the victim drops it.</summary>
    private sealed class SilentSocketAttacker(IPEndPoint target, int sockets)
    {
        private int _closed;
        private int _closedAfterHolding;

        /// <summary>Sockets the victim closed.</summary>
        public int Closed => Volatile.Read(ref _closed);

        /// <summary>Sockets the victim held for at least half a second (in its handshake pool) before closing them.</summary>
        public int ClosedAfterHolding => Volatile.Read(ref _closedAfterHolding);

        public Task RunAsync(CancellationToken cancellationToken) =>
            Task.WhenAll(Enumerable.Range(0, sockets).Select(_ => Task.Run(() => KeepOneOpenAsync(cancellationToken), CancellationToken.None)));

        private async Task KeepOneOpenAsync(CancellationToken cancellationToken)
        {
            byte[] buffer = new byte[64];
            while (!cancellationToken.IsCancellationRequested)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(AttackerAddress, 0));
                    await socket.ConnectAsync(target, cancellationToken);
                    long opened = Environment.TickCount64;
                    while (await socket.ReceiveAsync(buffer, cancellationToken) > 0)
                    {
                    }
                    Interlocked.Increment(ref _closed);
                    if (Environment.TickCount64 - opened >= 500)
                    {
                        Interlocked.Increment(ref _closedAfterHolding);
                    }
                }
                catch (SocketException)
                {
                    Interlocked.Increment(ref _closed); // reset by the victim, or refused at connect
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
