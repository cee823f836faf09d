namespace DataMesh.Interop.Tests.Harness;

// Typed replies of the js node commands. Peer ids and multiaddrs stay strings so the harness does not depend
// on the C# libp2p types.

/// <summary>A connection as the js node sees it.</summary>
public sealed record JsConnection(
    string PeerId, string RemoteAddr, string Direction, string Status, string? Encryption, string? Multiplexer, IReadOnlyList<string?> Streams);

/// <summary>What a remote peer sent in an identify exchange run by the js node.</summary>
public sealed record JsIdentifyResult(
    string PeerId,
    string? AgentVersion,
    string? ProtocolVersion,
    IReadOnlyList<string> Protocols,
    IReadOnlyList<string> ListenAddrs,
    string? ObservedAddr,
    string? PublicKeyBase64);

/// <summary>What the js node's peer store holds about a peer.</summary>
public sealed record JsPeerStoreEntry(string PeerId, string? AgentVersion, string? ProtocolVersion, IReadOnlyList<string> Protocols, IReadOnlyList<string> Addrs);

/// <summary>A peer and its known addresses.</summary>
public sealed record JsPeerInfo(string PeerId, IReadOnlyList<string> Addrs);

/// <summary>A finished echo or sink transfer: bytes moved, elapsed time (stream open to last byte), MB/s (10^6 bytes).</summary>
public sealed record JsTransferResult(long Bytes, double Ms, double MbPerSec);

/// <summary>The js node's kad-dht mode ("server"/"client") and routing table peers.</summary>
public sealed record JsRoutingTable(string Mode, IReadOnlyList<string> Peers);

/// <summary>The js node's identity, listen addresses, protocols and peak memory.</summary>
public sealed record JsNodeInfo(string PeerId, IReadOnlyList<string> Addrs, IReadOnlyList<string> Protocols, double MaxRssMiB);

internal sealed record JsPingReply(IReadOnlyList<double> RttsMs);

internal sealed record JsConnectionsReply(IReadOnlyList<JsConnection> Connections);

internal sealed record JsPutReply(int Replicas);

internal sealed record JsValueReply(string ValueBase64);

internal sealed record JsCidReply(string Cid);

internal sealed record JsProvidersReply(string Cid, IReadOnlyList<JsPeerInfo> Providers);

internal sealed record JsPeersReply(IReadOnlyList<JsPeerInfo> Peers);

internal sealed record JsReadyLine(string Event, string PeerId, string KeyType, string AgentVersion, IReadOnlyList<string> Addrs, IReadOnlyList<string> Protocols);
