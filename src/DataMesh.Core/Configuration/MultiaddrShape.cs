using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace DataMesh.Core.Configuration;

/// <summary>
/// A basic shape check of multiaddr strings, so typos in config.toml fail at load time with a line number.
/// The full parser lives in the libp2p layer; this only knows the protocols a DataMesh node dials or listens on.
/// </summary>
internal static class MultiaddrShape
{
    private static readonly HashSet<string> ProtocolsWithoutValue = new(StringComparer.Ordinal) { "quic-v1", "ws", "wss", "p2p-circuit" };

    private static readonly HashSet<string> ProtocolsWithValue = new(StringComparer.Ordinal)
    {
        "ip4", "ip6", "dns", "dns4", "dns6", "dnsaddr", "tcp", "udp", "p2p", "memory",
    };

    /// <summary>Returns why <paramref name="text"/> is not a usable multiaddr, or null when it is.</summary>
    public static string? Check(string text, bool requirePeerId)
    {
        if (text.Length == 0 || text[0] != '/')
        {
            return "is not a multiaddr (it must start with '/', e.g. /ip4/127.0.0.1/tcp/4001)";
        }
        if (text.Any(char.IsWhiteSpace))
        {
            return "is not a multiaddr (it contains white space)";
        }
        var parts = text[1..].Split('/');
        var hasPeerId = false;
        for (var i = 0; i < parts.Length; i++)
        {
            var protocol = parts[i];
            if (ProtocolsWithoutValue.Contains(protocol))
            {
                continue;
            }
            if (!ProtocolsWithValue.Contains(protocol))
            {
                return $"is not a multiaddr this node understands (unknown protocol '{protocol}')";
            }
            if (i + 1 >= parts.Length || parts[i + 1].Length == 0)
            {
                return $"is not a multiaddr ('{protocol}' needs a value)";
            }
            var value = parts[++i];
            var problem = CheckValue(protocol, value);
            if (problem is not null)
            {
                return problem;
            }
            hasPeerId |= protocol == "p2p";
        }
        if (!IsAddressProtocol(parts[0]))
        {
            return "is not a multiaddr (it must start with /ip4, /ip6, /dns, /dns4, /dns6, /dnsaddr or /memory)";
        }
        if (requirePeerId && !hasPeerId)
        {
            return "has no /p2p/<peer id> part (bootstrap addresses must name the peer, so its identity can be checked)";
        }
        return null;
    }

    private static bool IsAddressProtocol(string protocol) =>
        protocol is "ip4" or "ip6" or "dns" or "dns4" or "dns6" or "dnsaddr" or "memory";

    private static string? CheckValue(string protocol, string value) => protocol switch
    {
        "ip4" => IPAddress.TryParse(value, out var v4) && v4.AddressFamily == AddressFamily.InterNetwork && value.Count(c => c == '.') == 3
            ? null : $"has an invalid IPv4 address '{value}'",
        "ip6" => IPAddress.TryParse(value, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6
            ? null : $"has an invalid IPv6 address '{value}'",
        "tcp" or "udp" => ushort.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _)
            ? null : $"has an invalid {protocol} port '{value}' (0..65535)",
        "p2p" => value.All(char.IsAsciiLetterOrDigit) && value.Length is >= 32 and <= 128
            ? null : $"has an invalid peer id '{value}'",
        _ => null,
    };
}
