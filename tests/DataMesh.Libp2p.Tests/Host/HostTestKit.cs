using System.Buffers;
using System.IO.Pipelines;
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
        host.SetStreamHandler(EchoProtocol, EchoAsync);
        _hosts.Add(host);
        Multiaddr listen = UseTcp ? Multiaddr.Parse("/ip4/127.0.0.1/tcp/0") : Multiaddr.Parse($"/memory/{Interlocked.Increment(ref _nextMemoryPort)}");
        await host.ListenAsync([listen], CancellationToken.None);
        return host;
    }

    public static Multiaddr AddressOf(Libp2pHost host) => host.ListenAddresses[0].WithPeerId(host.PeerId);

    public static async Task EchoAsync(Libp2pStream stream, CancellationToken cancellationToken)
    {
        await stream.Input.CopyToAsync(stream.Output, cancellationToken);
        await stream.CloseWriteAsync(cancellationToken);
    }

    /// <summary>Writes <paramref name="data"/> on the stream while reading the echo back; returns what came back.</summary>
    public static async Task<byte[]> EchoThroughAsync(Libp2pStream stream, byte[] data, CancellationToken cancellationToken)
    {
        Task writer = Task.Run(async () =>
        {
            for (int offset = 0; offset < data.Length; offset += 64 * 1024)
            {
                await stream.Output.WriteAsync(data.AsMemory(offset, Math.Min(64 * 1024, data.Length - offset)), cancellationToken);
            }
            await stream.CloseWriteAsync(cancellationToken);
        }, cancellationToken);
        var received = new ArrayBufferWriter<byte>(data.Length);
        while (true)
        {
            ReadResult result = await stream.Input.ReadAsync(cancellationToken);
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                received.Write(segment.Span);
            }
            stream.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }
        await writer;
        return received.WrittenSpan.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (Libp2pHost host in _hosts)
        {
            await host.DisposeAsync();
        }
    }
}
