using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;

namespace DataMesh.Core.Exchange;

/// <summary>Placement over the peers this node is connected to that serve the chunk exchange protocol (storage
/// nodes; client-mode nodes do not register it). In a mesh where every storage node is connected, the XOR-closest
/// connected peers are exactly the peers a Kademlia lookup would return.</summary>
internal sealed class ConnectedPeerDirectory : IPeerDirectory
{
    private readonly Libp2pHost _host;

    public ConnectedPeerDirectory(Libp2pHost host) => _host = host;

    public ValueTask<IReadOnlyList<PeerId>> FindClosestStoragePeersAsync(ContentHash shard, int count, CancellationToken cancellationToken)
    {
        IEnumerable<PeerId> storagePeers = _host.Connections
            .Where(c => !c.IsClosed && c.Identified.IsCompletedSuccessfully && c.Identified.Result.Protocols.Contains(ChunkExchangeProtocol.ProtocolId))
            .Select(c => c.RemotePeer)
            .Distinct();
        IReadOnlyList<PeerId> closest = [.. XorDistance.Closest(storagePeers, XorDistance.KeyOf(shard)).Take(count)];
        return ValueTask.FromResult(closest);
    }

    public ValueTask<IReadOnlyList<PeerId>> FindProvidersAsync(ContentHash shard, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<PeerId>>([]);
}
