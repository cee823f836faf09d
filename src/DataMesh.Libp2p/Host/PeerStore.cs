using System.Collections.Concurrent;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Protocols.Identify;

namespace DataMesh.Libp2p.Host;

/// <summary>The host's address book. Bounded: at most <see cref="HostOptions.MaxKnownPeers"/> peers, each with at most
/// <see cref="HostOptions.MaxAddressesPerPeer"/> addresses, so gossip from peers cannot grow it without limit.</summary>
public sealed class PeerStore
{
    private readonly ConcurrentDictionary<PeerId, PeerInfo> _peers = new();
    private readonly HostOptions _options;
    private readonly TimeProvider _time;
    private readonly Func<PeerId, bool> _isConnected;

    internal PeerStore(HostOptions options, TimeProvider time, Func<PeerId, bool> isConnected)
    {
        _options = options;
        _time = time;
        _isConnected = isConnected;
    }

    public int Count => _peers.Count;

    public IReadOnlyCollection<PeerInfo> Peers => [.. _peers.Values];

    public PeerInfo? Get(PeerId peer) => _peers.TryGetValue(peer, out PeerInfo? info) ? info : null;

    /// <summary>Adds addresses for a peer (without their /p2p part), newest first, keeping at most the configured number.</summary>
    public void AddAddresses(PeerId peer, IEnumerable<Multiaddr> addresses)
    {
        Multiaddr[] fresh = [.. addresses.Select(a => a.PeerId is null ? a : a.WithoutPeerId())];
        if (fresh.Length == 0)
        {
            return;
        }
        Update(peer, existing => existing with
        {
            Addresses = [.. fresh.Concat(existing.Addresses).Distinct().Take(_options.MaxAddressesPerPeer)],
        });
    }

    internal void RecordIdentify(PeerId peer, IdentifyInfo identify)
    {
        Update(peer, existing => existing with
        {
            Addresses = [.. identify.ListenAddresses.Concat(existing.Addresses).Distinct().Take(_options.MaxAddressesPerPeer)],
            AgentVersion = identify.AgentVersion,
            ProtocolVersion = identify.ProtocolVersion,
            Protocols = identify.Protocols,
            PublicKey = identify.PublicKey ?? existing.PublicKey,
            ObservedAddress = identify.ObservedAddress,
        });
    }

    internal void Touch(PeerId peer, PublicKey? publicKey) =>
        Update(peer, existing => existing with { PublicKey = publicKey ?? existing.PublicKey });

    public bool Remove(PeerId peer) => _peers.TryRemove(peer, out _);

    private void Update(PeerId peer, Func<PeerInfo, PeerInfo> change)
    {
        DateTimeOffset now = _time.GetUtcNow();
        _peers.AddOrUpdate(
            peer,
            static (id, state) => state.change(new PeerInfo(id, [], null, null, [], null, null, state.now)) with { LastSeen = state.now },
            static (_, existing, state) => state.change(existing) with { LastSeen = state.now },
            (change, now));
        if (_peers.Count > _options.MaxKnownPeers)
        {
            EvictStalest();
        }
    }

    private void EvictStalest()
    {
        // Rare (only when the store is full): drop the least recently seen tenth of unconnected peers.
        int excess = Math.Max(_peers.Count - _options.MaxKnownPeers, _options.MaxKnownPeers / 10);
        foreach (PeerInfo stale in _peers.Values.Where(p => !_isConnected(p.PeerId)).OrderBy(p => p.LastSeen).Take(excess))
        {
            _peers.TryRemove(stale.PeerId, out _);
        }
    }
}
