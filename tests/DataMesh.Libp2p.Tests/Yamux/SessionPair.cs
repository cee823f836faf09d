using System.IO.Pipelines;
using DataMesh.Libp2p.Yamux;
using Xunit.Abstractions;

namespace DataMesh.Libp2p.Tests.Yamux;

/// <summary>A started client (initiator) and server session over an in-memory connection.</summary>
internal sealed class SessionPair : IAsyncDisposable
{
    private SessionPair(YamuxSession client, YamuxSession server)
    {
        Client = client;
        Server = server;
    }

    public YamuxSession Client { get; }

    public YamuxSession Server { get; }

    public static SessionPair Start(YamuxOptions? clientOptions = null, YamuxOptions? serverOptions = null, TimeProvider? timeProvider = null, ITestOutputHelper? output = null)
    {
        (IDuplexPipe a, IDuplexPipe b) = DuplexPipePair.Create();
        var client = new YamuxSession(a, isInitiator: true, clientOptions ?? new YamuxOptions(), timeProvider ?? TimeProvider.System, output is null ? null : new TestOutputLogger<YamuxSession>(output, "client"));
        var server = new YamuxSession(b, isInitiator: false, serverOptions ?? new YamuxOptions(), timeProvider ?? TimeProvider.System, output is null ? null : new TestOutputLogger<YamuxSession>(output, "server"));
        client.Start();
        server.Start();
        return new SessionPair(client, server);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
    }
}
