using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Kad;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Transports;

namespace DataMesh.Libp2p.Tests.Kad;

/// <summary>Hosts with a DHT each over one in-memory network; disposes everything after a test.</summary>
internal sealed class KadTestNetwork : IAsyncDisposable
{
    public const string TestNamespace = "t";

    private readonly InMemoryNetwork _network = new();
    private int _nextPort;

    public List<(Libp2pHost Host, KadDht Dht)> Nodes { get; } = [];

    /// <summary>Options of every host this network starts (null: the defaults).</summary>
    public HostOptions? HostOptions { get; init; }

    /// <summary>DHT options of every node this network starts when none are given (null: <see cref="DefaultOptions"/>).</summary>
    public KadOptions? KadOptions { get; init; }

    public static KadOptions DefaultOptions { get; } = new()
    {
        Validators = RecordValidatorRegistry.Default.With(TestNamespace, PermissiveRecordValidator.Instance),
        RequestTimeout = TimeSpan.FromSeconds(5),
        MaintenanceInterval = TimeSpan.FromHours(1), // tests drive maintenance themselves
    };

    public async Task<(Libp2pHost Host, KadDht Dht)> AddNodeAsync(KadOptions? options = null, DataMesh.Libp2p.Identity.Identity? identity = null, int? port = null, TimeProvider? time = null)
    {
        var host = new Libp2pHost(identity ?? DataMesh.Libp2p.Identity.Identity.Generate(), [new InMemoryTransport(_network)], HostOptions);
        await host.ListenAsync([Multiaddr.Parse($"/memory/{port ?? Interlocked.Increment(ref _nextPort) + 1000}")], CancellationToken.None);
        var dht = new KadDht(host, options ?? KadOptions ?? DefaultOptions, timeProvider: time);
        await dht.StartAsync(CancellationToken.None);
        Nodes.Add((host, dht));
        return (host, dht);
    }

    public static Multiaddr AddressOf(Libp2pHost host) => host.ListenAddresses[0].WithPeerId(host.PeerId);

    /// <summary>Starts <paramref name="count"/> nodes and bootstraps each from the first one.</summary>
    public async Task StartAsync(int count, CancellationToken cancellationToken)
    {
        await AddNodeAsync();
        for (int i = 1; i < count; i++)
        {
            await AddNodeAsync();
        }
        Multiaddr seed = AddressOf(Nodes[0].Host);
        foreach ((_, KadDht dht) in Nodes.Skip(1))
        {
            await dht.BootstrapAsync([seed], cancellationToken);
        }
        // A second self-lookup round lets early nodes learn of the later ones, as the refresh loop would.
        await Task.WhenAll(Nodes.Select(n => n.Dht.GetClosestPeersAsync(n.Host.PeerId.Bytes, cancellationToken)));
    }

    public async Task StopAsync(int index)
    {
        (Libp2pHost host, KadDht dht) = Nodes[index];
        await dht.DisposeAsync();
        await host.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach ((Libp2pHost host, KadDht dht) in Nodes)
        {
            await dht.DisposeAsync();
            await host.DisposeAsync();
        }
    }
}
