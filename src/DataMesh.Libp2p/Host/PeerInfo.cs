using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Host;

/// <summary>What we know about a peer: its addresses and what it told us through Identify. An immutable snapshot.</summary>
public sealed record PeerInfo(
    PeerId PeerId,
    IReadOnlyList<Multiaddr> Addresses,
    string? AgentVersion,
    string? ProtocolVersion,
    IReadOnlyList<string> Protocols,
    PublicKey? PublicKey,
    Multiaddr? ObservedAddress,
    DateTimeOffset LastSeen);
