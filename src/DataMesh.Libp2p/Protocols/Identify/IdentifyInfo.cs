using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Protocols.Identify;

/// <summary>The content of an Identify message (libp2p/specs identify), decoded and checked.</summary>
public sealed record IdentifyInfo(
    PublicKey? PublicKey,
    IReadOnlyList<Multiaddr> ListenAddresses,
    IReadOnlyList<string> Protocols,
    Multiaddr? ObservedAddress,
    string? ProtocolVersion,
    string? AgentVersion);
