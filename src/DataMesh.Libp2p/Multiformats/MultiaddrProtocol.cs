using System.Collections.Frozen;

namespace DataMesh.Libp2p.Multiformats;

/// <summary>How a multiaddr protocol's value is written in text and in binary.</summary>
public enum MultiaddrValueKind
{
    /// <summary>No value (e.g. /ws, /quic-v1).</summary>
    None,
    /// <summary>4-byte IPv4 address.</summary>
    Ip4,
    /// <summary>16-byte IPv6 address.</summary>
    Ip6,
    /// <summary>2-byte big-endian port.</summary>
    Port,
    /// <summary>Length-prefixed UTF-8 text without '/' (DNS names, zones, SNI).</summary>
    Text,
    /// <summary>Length-prefixed multihash, shown as base58btc (a peer id).</summary>
    PeerId,
    /// <summary>Length-prefixed bytes shown as a multibase string (certhash).</summary>
    Multibase,
    /// <summary>8-byte big-endian unsigned integer shown in decimal (/memory).</summary>
    UInt64,
}

/// <summary>One entry of the multiaddr protocol table (multiformats/multiaddr protocols.csv).</summary>
public sealed class MultiaddrProtocol
{
    private MultiaddrProtocol(string name, int code, MultiaddrValueKind kind)
    {
        Name = name;
        Code = code;
        Kind = kind;
    }

    public string Name { get; }
    public int Code { get; }
    public MultiaddrValueKind Kind { get; }

    /// <summary>Fixed binary value size in bytes, or -1 when length-prefixed.</summary>
    public int FixedSize => Kind switch
    {
        MultiaddrValueKind.None => 0,
        MultiaddrValueKind.Ip4 => 4,
        MultiaddrValueKind.Ip6 => 16,
        MultiaddrValueKind.Port => 2,
        MultiaddrValueKind.UInt64 => 8,
        _ => -1,
    };

    public static readonly MultiaddrProtocol Ip4 = new("ip4", 4, MultiaddrValueKind.Ip4);
    public static readonly MultiaddrProtocol Tcp = new("tcp", 6, MultiaddrValueKind.Port);
    public static readonly MultiaddrProtocol Dccp = new("dccp", 33, MultiaddrValueKind.Port);
    public static readonly MultiaddrProtocol Ip6 = new("ip6", 41, MultiaddrValueKind.Ip6);
    public static readonly MultiaddrProtocol Ip6Zone = new("ip6zone", 42, MultiaddrValueKind.Text);
    public static readonly MultiaddrProtocol Dns = new("dns", 53, MultiaddrValueKind.Text);
    public static readonly MultiaddrProtocol Dns4 = new("dns4", 54, MultiaddrValueKind.Text);
    public static readonly MultiaddrProtocol Dns6 = new("dns6", 55, MultiaddrValueKind.Text);
    public static readonly MultiaddrProtocol DnsAddr = new("dnsaddr", 56, MultiaddrValueKind.Text);
    public static readonly MultiaddrProtocol Sctp = new("sctp", 132, MultiaddrValueKind.Port);
    public static readonly MultiaddrProtocol Udp = new("udp", 273, MultiaddrValueKind.Port);
    public static readonly MultiaddrProtocol WebRtcDirect = new("webrtc-direct", 280, MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol WebRtc = new("webrtc", 281, MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol P2pCircuit = new("p2p-circuit", 290, MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol P2p = new("p2p", 421, MultiaddrValueKind.PeerId);
    public static readonly MultiaddrProtocol Https = new("https", 443, MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol Tls = new("tls", 448, MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol Sni = new("sni", 449, MultiaddrValueKind.Text);
    public static readonly MultiaddrProtocol Noise = new("noise", 454, MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol Quic = new("quic", 460, MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol QuicV1 = new("quic-v1", 461, MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol WebTransport = new("webtransport", 465, MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol CertHash = new("certhash", 466, MultiaddrValueKind.Multibase);
    public static readonly MultiaddrProtocol Ws = new("ws", 477, MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol Wss = new("wss", 478, MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol Http = new("http", 480, MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol Memory = new("memory", 777, MultiaddrValueKind.UInt64);

    private static readonly MultiaddrProtocol[] All =
    [
        Ip4, Tcp, Dccp, Ip6, Ip6Zone, Dns, Dns4, Dns6, DnsAddr, Sctp, Udp, WebRtcDirect, WebRtc, P2pCircuit, P2p,
        Https, Tls, Sni, Noise, Quic, QuicV1, WebTransport, CertHash, Ws, Wss, Http, Memory,
    ];

    private static readonly FrozenDictionary<string, MultiaddrProtocol> ByName = BuildByName();
    private static readonly FrozenDictionary<int, MultiaddrProtocol> ByCode = All.ToFrozenDictionary(p => p.Code);

    /// <summary>Looks a protocol up by its text name ("ipfs" is the legacy alias of "p2p").</summary>
    public static bool TryGetByName(string name, out MultiaddrProtocol? protocol) => ByName.TryGetValue(name, out protocol);

    public static bool TryGetByCode(ulong code, out MultiaddrProtocol? protocol)
    {
        protocol = null;
        return code <= int.MaxValue && ByCode.TryGetValue((int)code, out protocol);
    }

    public override string ToString() => Name;

    private static FrozenDictionary<string, MultiaddrProtocol> BuildByName()
    {
        var map = All.ToDictionary(p => p.Name, StringComparer.Ordinal);
        map["ipfs"] = P2p;
        return map.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
