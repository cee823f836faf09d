using System.Buffers;
using System.IO.Pipelines;
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
        host.SetStreamHandler(EchoProtocol, EchoAsync);
        await host.ListenAsync([Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")], CancellationToken.None);
        return new CSharpHost(host);
    }

    private static async Task EchoAsync(Libp2pStream stream, CancellationToken cancellationToken)
    {
        await stream.Input.CopyToAsync(stream.Output, cancellationToken);
        await stream.CloseWriteAsync(cancellationToken);
    }

    /// <summary>Sends <paramref name="data"/> over an echo stream while reading the echo back, and returns it.</summary>
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

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
