using DataMesh.Core.Dht;
using DataMesh.Libp2p;
using DataMesh.Libp2p.Kad;
using DataMesh.Libp2p.Multiformats;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Node;

/// <summary>The node's Kademlia DHT: started with the node (server on storage nodes, client otherwise, per dht_mode),
/// bootstrapped from the configured peers, announcing the shards this node accepts, carrying manifests as records,
/// and stopped (maintenance loop and announcer awaited) before the host.</summary>
public sealed partial class DataMeshNode
{
    private readonly ProviderAnnouncer _providerAnnouncer;

    /// <summary>The DHT on this node's host; its maintenance loop (refresh, random walk, republish) runs while the node does.</summary>
    internal KadDht Dht { get; }

    /// <summary>Announcements of accepted shards still queued or dropped; see <see cref="ProviderAnnouncer"/>.</summary>
    internal ProviderAnnouncer ProviderAnnouncer => _providerAnnouncer;

    private async Task StartDhtAsync(CancellationToken cancellationToken)
    {
        await Dht.StartAsync(cancellationToken).ConfigureAwait(false);
        _providerAnnouncer.Start();
    }

    private async ValueTask StopDhtAsync()
    {
        await _providerAnnouncer.DisposeAsync().ConfigureAwait(false);
        await Dht.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Joins the network: dials the bootstrap peers (waiting for each to identify itself, so placement and the
    /// routing table know what they serve), then looks up this node's own key to fill the routing table with the
    /// peers closest to it. Unreachable peers are reported in the results, not thrown; the lookup runs when at least
    /// one peer was reached. The DHT remembers every address: while its routing table is empty (none reached now, or
    /// all its peers gone later) it retries them on its own with backoff, so a node started before its bootstrap
    /// peers joins as soon as they come up.</summary>
    internal async Task<IReadOnlyList<PeerConnectResult>> BootstrapAsync(IEnumerable<Multiaddr> addresses, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        Multiaddr[] all = [.. addresses];
        IReadOnlyList<PeerConnectResult> results = await ConnectAsync(all, cancellationToken).ConfigureAwait(false);
        Multiaddr[] reached = [.. results.Where(r => r.Succeeded).Select(r => r.Address)];
        if (reached.Length > 0)
        {
            try
            {
                int peers = await Dht.BootstrapAsync(reached, cancellationToken).ConfigureAwait(false);
                Log.Bootstrapped(_logger, Dht.Mode, Dht.Options.ProtocolId, peers);
            }
            catch (Exception error) when (error is Libp2pException or IOException || (error is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                Log.BootstrapLookupFailed(_logger, error.Message);
            }
        }
        Dht.AddBootstrapPeers(all);
        return results;
    }
}
