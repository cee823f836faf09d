using DataMesh.Core.Configuration;
using DataMesh.Core.Exchange;
using DataMesh.Core.Node;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Multistream;
using DataMesh.Libp2p.Transports;
using DataMesh.Storage.Addressing;

namespace DataMesh.Core.Tests.Exchange;

/// <summary>Chunk requests to a peer whose Identify listed the protocol skip the negotiation round trip: the
/// proposal travels with the request. Over the in-memory transport with a simulated one-way latency on a fake network
/// clock, which the test moves one one-way trip at a time, so trips are counted rather than timed.</summary>
public sealed class OptimisticRequestTests : IAsyncDisposable
{
    private static readonly TimeSpan OneWay = TimeSpan.FromMilliseconds(100);
    private readonly TempDirectory _root = new("optimistic");
    private readonly TimerCountingTimeProvider _networkClock = new();
    private readonly List<DataMeshNode> _nodes = [];

    [Fact]
    public async Task Fetch_OverAnIdentifiedConnection_TakesOneRoundTrip_AndReturnsTheShard()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (client, storage) = await StartPairAsync(cts.Token);
        byte[] shard = new byte[200_000];
        new Random(3).NextBytes(shard);
        ContentHash address = ContentHash.Compute(shard);
        var exchange = new ChunkExchangeClient(client.Host);
        Task storing = exchange.StoreAsync(storage.PeerId, address, shard, cts.Token);
        await CountTripsAsync(storing);
        await storing;

        // Negotiating first would cost a round trip for the proposal and another for the request: 4 one-way trips.
        // Optimistically it is one round trip; the fewest of three shows which it was (a trip that only carried
        // unrelated background traffic can add to a count, never take from it).
        int fewest = int.MaxValue;
        byte[] received = new byte[shard.Length];
        for (int attempt = 0; attempt < 3; attempt++)
        {
            Array.Clear(received);
            Task<int> fetching = exchange.FetchAsync(storage.PeerId, address, received, cts.Token);
            int trips = await CountTripsAsync(fetching);
            int length = await fetching;
            Assert.Equal(shard.Length, length);
            Assert.Equal(shard, received);
            fewest = Math.Min(fewest, trips);
        }
        Assert.True(fewest < 4, $"the fastest fetch took {fewest} one-way trips of {OneWay.TotalMilliseconds:0} ms: the negotiation was not optimistic");
    }

    [Fact]
    public async Task Fetch_FromAPeerThatNoLongerServesTheProtocol_FailsWithATypedError()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (client, storage) = await StartPairAsync(cts.Token);
        // Identify listed the protocol, so the client proposes it optimistically; the peer now refuses it.
        Assert.True(storage.Host.RemoveStreamHandler(ChunkExchangeProtocol.ProtocolId));
        var exchange = new ChunkExchangeClient(client.Host);

        Task<int> fetching = exchange.FetchAsync(storage.PeerId, ContentHash.Compute("x"u8), new byte[1024], cts.Token);
        await CountTripsAsync(fetching);
        var error = await Assert.ThrowsAsync<ProtocolNegotiationException>(() => fetching);
        Assert.Equal([ChunkExchangeProtocol.ProtocolId], error.TriedProtocols);

        // The connection survives the refused stream and serves other protocols.
        Connection connection = client.Host.GetConnection(storage.PeerId)!;
        Task<TimeSpan> ping = connection.PingAsync(cts.Token);
        await CountTripsAsync(ping);
        Assert.True(await ping > TimeSpan.Zero);
    }

    /// <summary>Moves the network clock until <paramref name="task"/> completes: whenever something is in flight (a link
    /// waits on the clock), one one-way latency at once, which delivers everything sent since the last move. Returns
    /// how many moves (one-way trips) that took; the caller awaits the task for its outcome.</summary>
    private async Task<int> CountTripsAsync(Task task)
    {
        int trips = 0;
        while (!task.IsCompleted)
        {
            if (_networkClock.ArmedTimers > 0)
            {
                _networkClock.Advance(OneWay);
                trips++;
            }
            else
            {
                await Task.WhenAny(task, Task.Delay(1));
            }
        }
        return trips;
    }

    private async Task<(DataMeshNode Client, DataMeshNode Storage)> StartPairAsync(CancellationToken cancellationToken)
    {
        var network = new InMemoryNetwork(_networkClock, new InMemoryLinkOptions { Latency = OneWay });
        DataMeshOptions Options(string name) => new()
        {
            Network = new NetworkOptions { ListenAddresses = ["/memory/0"], ReplicationFactor = 1 },
            Storage = new StorageOptions { DataDir = _root.Combine(name) },
        };
        DataMeshNode storage = await DataMeshNode.StartAsync(Options("storage"), new NodeStartOptions { InMemoryNetwork = network }, cancellationToken: cancellationToken);
        _nodes.Add(storage);
        DataMeshNode client = await DataMeshNode.StartAsync(Options("client"), new NodeStartOptions { InMemoryNetwork = network, StorageEnabled = false }, cancellationToken: cancellationToken);
        _nodes.Add(client);
        var connecting = client.ConnectAsync([storage.ListenAddresses[0].WithPeerId(storage.PeerId)], cancellationToken);
        await CountTripsAsync(connecting);
        var results = await connecting;
        Assert.All(results, r => Assert.True(r.Succeeded, r.Error));
        var identified = client.Host.GetConnection(storage.PeerId)!.Identified.WaitAsync(cancellationToken);
        await CountTripsAsync(identified);
        var info = await identified;
        Assert.Contains(ChunkExchangeProtocol.ProtocolId, info.Protocols);
        return (client, storage);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (DataMeshNode node in _nodes)
        {
            await node.DisposeAsync();
        }
        _root.Dispose();
    }
}
