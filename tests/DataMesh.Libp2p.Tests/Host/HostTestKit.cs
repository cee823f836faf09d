using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Transports;

namespace DataMesh.Libp2p.Tests.Host;

/// <summary>Builds hosts over the in-memory transport or loopback TCP and tears them down after a test.</summary>
internal sealed class HostTestKit : IAsyncDisposable
{
    public const string EchoProtocol = "/test/echo/1.0.0";

    private readonly List<Libp2pHost> _hosts = [];
    private readonly InMemoryNetwork _network = new();
    private int _nextMemoryPort = 1;

    public bool UseTcp { get; init; }

    public async Task<Libp2pHost> StartHostAsync(HostOptions? options = null, TimeProvider? time = null)
    {
        ITransport transport = UseTcp ? new TcpTransport(new TcpTransportOptions()) : new InMemoryTransport(_network);
        var host = new Libp2pHost(DataMesh.Libp2p.Identity.Identity.Generate(), [transport], options, timeProvider: time);
        host.SetStreamHandler(EchoProtocol, EchoStreams.EchoAsync);
        _hosts.Add(host);
        Multiaddr listen = UseTcp ? Multiaddr.Parse("/ip4/127.0.0.1/tcp/0") : Multiaddr.Parse($"/memory/{Interlocked.Increment(ref _nextMemoryPort)}");
        await host.ListenAsync([listen], CancellationToken.None);
        return host;
    }

    public static Multiaddr AddressOf(Libp2pHost host) => host.ListenAddresses[0].WithPeerId(host.PeerId);


    public async ValueTask DisposeAsync()
    {
        foreach (Libp2pHost host in _hosts)
        {
            await host.DisposeAsync();
        }
    }
}
