using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Transports;

namespace DataMesh.Interop.Tests.Host;

/// <summary>A C# host on loopback TCP that serves the same test protocols as the js node (echo and sink).</summary>
internal sealed class CSharpHost : IAsyncDisposable
{
    public const string EchoProtocol = "/datamesh/echo/1.0.0";

    private CSharpHost(Libp2pHost host) => Host = host;

    public Libp2pHost Host { get; }

    public string Address => Host.ListenAddresses[0].WithPeerId(Host.PeerId).ToString();

    public static async Task<CSharpHost> StartAsync(string agentVersion = "datamesh/interop-test")
    {
        var host = new Libp2pHost(DataMesh.Libp2p.Identity.Identity.Generate(), [new TcpTransport(new TcpTransportOptions())],
            HostOptions.Default with { AgentVersion = agentVersion });
        host.SetStreamHandler(EchoProtocol, EchoStreams.EchoAsync);
        await host.ListenAsync([Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")], CancellationToken.None);
        return new CSharpHost(host);
    }


    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
