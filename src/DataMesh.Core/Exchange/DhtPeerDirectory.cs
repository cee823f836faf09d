using DataMesh.Core.Dht;
using DataMesh.Libp2p;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Kad;
using DataMesh.Storage.Addressing;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Exchange;

/// <summary>Placement and holders through the Kademlia DHT, starting from what the node already knows. Candidates are
/// the connected storage peers plus the routing table's peers known (from Identify) to serve the chunk protocol. While
/// the routing table holds fewer than k peers the node knows the whole DHT, so that is the answer without a lookup
/// (small meshes keep the cost of <see cref="ConnectedPeerDirectory"/>); otherwise a lookup of the shard's key adds
/// the k closest DHT peers, whose chunk-protocol support is checked through Identify (dialing the few not yet
/// connected, a bounded number at once). Holders also come from the DHT's provider records, asked for by the shard's
/// CID (<see cref="ShardProviderKey"/>); placement keeps the XOR distance to the shard's hash.</summary>
internal sealed class DhtPeerDirectory : IPeerDirectory
{
    private readonly Libp2pHost _host;
    private readonly KadDht _dht;
    private readonly ILogger _logger;
    private readonly int _maxProviders;
    private readonly TimeSpan _checkTimeout;

    /// <param name="maxProviders">Providers asked for per shard: the lookup stops once it has this many.</param>
    public DhtPeerDirectory(Libp2pHost host, KadDht dht, ILogger logger, int maxProviders)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(dht);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxProviders, 1);
        _host = host;
        _dht = dht;
        _logger = logger;
        _maxProviders = maxProviders;
        _checkTimeout = dht.Options.RequestTimeout;
    }

    /// <summary>Candidates checked at once when their chunk-protocol support is not known yet.</summary>
    private const int MaxParallelChecks = 8;

    public async ValueTask<IReadOnlyList<PeerId>> FindClosestStoragePeersAsync(ContentHash shard, int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 0);
        KadKey target = XorDistance.KeyOf(shard);
        var storage = new HashSet<PeerId>(KnownStoragePeers());
        if (_dht.RoutingTable.Count >= _dht.Options.BucketSize)
        {
            IReadOnlyList<PeerId> closest = await _dht.GetClosestPeersAsync(shard.ToArray(), cancellationToken).ConfigureAwait(false);
            PeerId[] unknown = [.. closest.Where(p => !storage.Contains(p) && !p.Equals(_host.PeerId))];
            await Parallel.ForEachAsync(unknown, new ParallelOptions { MaxDegreeOfParallelism = MaxParallelChecks, CancellationToken = cancellationToken },
                async (peer, ct) =>
                {
                    if (await ServesChunksAsync(peer, ct).ConfigureAwait(false))
                    {
                        lock (storage)
                        {
                            storage.Add(peer);
                        }
                    }
                }).ConfigureAwait(false);
        }
        return [.. XorDistance.Closest(storage, target).Take(count)];
    }

    public async ValueTask<IReadOnlyList<PeerId>> FindProvidersAsync(ContentHash shard, CancellationToken cancellationToken)
    {
        byte[] key = ShardProviderKey.Of(shard);
        if (_dht.RoutingTable.Count == 0 && _dht.Providers.Get(key).Count == 0)
        {
            return []; // nobody to ask: a lookup would only fail
        }
        var providers = new List<PeerId>();
        try
        {
            await foreach (ProviderInfo provider in _dht.FindProvidersAsync(key, _maxProviders, cancellationToken).ConfigureAwait(false))
            {
                if (!provider.PeerId.Equals(_host.PeerId))
                {
                    providers.Add(provider.PeerId);
                }
            }
        }
        catch (Exception error) when (error is Libp2pException or IOException || (error is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Providers are a hint on top of placement: a failed lookup leaves the XOR-closest peers to try.
            Log.ProviderLookupFailed(_logger, shard, error.Message);
        }
        return providers;
    }

    /// <summary>Connected peers that announced the chunk protocol, and routing-table peers whose last Identify did.</summary>
    private IEnumerable<PeerId> KnownStoragePeers()
    {
        foreach (Connection connection in _host.Connections)
        {
            if (!connection.IsClosed && connection.Identified.IsCompletedSuccessfully && ServesChunks(connection.Identified.Result.Protocols))
            {
                yield return connection.RemotePeer;
            }
        }
        foreach (RoutingTableEntry<PeerId> entry in _dht.RoutingTable)
        {
            if (_host.Peers.Get(entry.Peer) is { } info && ServesChunks(info.Protocols))
            {
                yield return entry.Peer;
            }
        }
    }

    /// <summary>Whether a lookup result serves the chunk protocol: from the peer store when Identify already told us,
    /// else by connecting (lookups usually just did) and waiting for its Identify answer, within the DHT's request timeout.</summary>
    private async Task<bool> ServesChunksAsync(PeerId peer, CancellationToken cancellationToken)
    {
        if (_host.Peers.Get(peer) is { Protocols.Count: > 0 } known)
        {
            return ServesChunks(known.Protocols);
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_checkTimeout);
            Connection connection = await _host.ConnectAsync(peer, timeout.Token).ConfigureAwait(false);
            var identified = await connection.Identified.WaitAsync(timeout.Token).ConfigureAwait(false);
            return ServesChunks(identified.Protocols);
        }
        catch (Exception error) when (error is Libp2pException or IOException || (error is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Log.CandidateUnusable(_logger, peer, error.Message);
            return false;
        }
    }

    private static bool ServesChunks(IReadOnlyList<string> protocols) => protocols.Contains(ChunkExchangeProtocol.ProtocolId, StringComparer.Ordinal);
}
