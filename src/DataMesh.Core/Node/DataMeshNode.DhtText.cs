using DataMesh.Core.Node.Records;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Core.Node;

/// <summary>The DHT in text form for the cmdlets: peer lookups, the routing table, and the signed records of the "dm"
/// namespace (<see cref="DhtRecords"/>).</summary>
public sealed partial class DataMeshNode
{
    /// <summary>Longest record name, in UTF-8 bytes (the whole key stays well under the DHT's 1 KiB key limit).</summary>
    internal const int MaxRecordNameBytes = DhtRecords.MaxRecordNameBytes;

    /// <summary>Largest record value: the DHT's 64 KiB record limit less room for the signature envelope.</summary>
    public const int MaxRecordValueBytes = DhtRecords.MaxRecordValueBytes;

    /// <summary><see cref="BootstrapAsync(IEnumerable{Multiaddr}, CancellationToken)"/> with addresses in text form.</summary>
    /// <exception cref="NodeRequestException">An address does not parse (nothing is dialed then).</exception>
    public async Task<IReadOnlyList<ConnectAttempt>> BootstrapAsync(IEnumerable<string> addresses, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        Multiaddr[] parsed = [.. addresses.Select(ParseAddress)];
        IReadOnlyList<PeerConnectResult> results = await BootstrapAsync(parsed, cancellationToken).ConfigureAwait(false);
        return [.. results.Select(r => new ConnectAttempt(r.Address.ToString(), r.PeerId?.ToString(), r.Error))];
    }

    /// <summary>The addresses of a peer: from an open connection or the address book, else by a DHT lookup.</summary>
    /// <exception cref="NodeRequestException">Bad peer id (InvalidPeerId), not found (NotFoundOnDht), network failure.</exception>
    public async Task<DhtPeerView> FindPeerAsync(string peerId, CancellationToken cancellationToken)
    {
        PeerId peer = DhtRecords.ParsePeerId(peerId, "peer id");
        if (peer.Equals(PeerId))
        {
            return new DhtPeerView(PeerIdText, [.. Host.GetAdvertisedAddresses().Select(a => a.ToString())], Connected: false, InRoutingTable: false);
        }
        IReadOnlyList<Multiaddr> addresses = await DhtRecords.TranslateDhtAsync(() => Dht.FindPeerAsync(peer, cancellationToken)).ConfigureAwait(false);
        return new DhtPeerView(peer.ToString(), [.. addresses.Select(a => a.ToString())], Host.IsConnected(peer), Dht.RoutingTable.Any(e => e.Peer.Equals(peer)));
    }

    /// <summary>The routing table's peers, closest buckets last, each with what Identify said and its open connection.</summary>
    public IReadOnlyList<RoutingTablePeerView> GetRoutingTablePeers()
    {
        Dictionary<string, ConnectedPeerView> connected = GetConnectedPeers()
            .GroupBy(p => p.PeerId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        return [.. Dht.RoutingTable.OrderBy(e => e.BucketIndex).ThenBy(e => e.AddedAt).Select(entry =>
        {
            PeerInfo? info = Host.Peers.Get(entry.Peer);
            string id = entry.Peer.ToString();
            return new RoutingTablePeerView(id, entry.BucketIndex, entry.AddedAt, entry.LastSeen,
                info is null ? [] : [.. info.Addresses.Select(a => a.ToString())],
                info?.Protocols ?? [], info?.AgentVersion, connected.GetValueOrDefault(id));
        })];
    }

    /// <summary>Whether a peer (text id) is in the routing table.</summary>
    internal bool IsInRoutingTable(string peerId) => PeerId.TryParse(peerId, out PeerId? peer) && peer is not null && Dht.RoutingTable.Any(e => e.Peer.Equals(peer));

    /// <inheritdoc cref="DhtRecords.PublishRecordAsync"/>
    public Task<DhtRecordView> PublishRecordAsync(string name, ReadOnlyMemory<byte> value, CancellationToken cancellationToken) =>
        _records.PublishRecordAsync(name, value, cancellationToken);

    /// <inheritdoc cref="DhtRecords.GetRecordAsync"/>
    public Task<DhtRecordView> GetRecordAsync(string key, string? publisher, CancellationToken cancellationToken) =>
        _records.GetRecordAsync(key, publisher, cancellationToken);
}
