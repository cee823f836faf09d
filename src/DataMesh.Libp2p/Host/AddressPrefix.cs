using System.Net;
using System.Net.Sockets;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Host;

/// <summary>The network a remote address belongs to, as the resource manager groups inbound handshakes: one host
/// rarely holds a whole /24 (IPv4) or /48 (IPv6) alone, so an attacker cannot multiply its share by rotating
/// addresses inside its own network. Loopback addresses count one by one: every local peer comes from 127.0.0.1, and
/// a test or a local cluster can still tell an attacker on 127.0.0.2 from them.</summary>
internal static class AddressPrefix
{
    private const int Ipv4PrefixBits = 24;
    private const int Ipv6PrefixBits = 48;

    /// <summary>The prefix key of a remote transport address ("203.0.113.0/24"), or null when it carries no IP
    /// address (in-memory transport): such connections are limited by the system scope alone.</summary>
    public static string? KeyOf(Multiaddr remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        return remote.TryGetTcpEndPoint(out EndPoint? endPoint) && endPoint is IPEndPoint ip ? KeyOf(ip.Address) : null;
    }

    public static string KeyOf(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (IPAddress.IsLoopback(address))
        {
            return address.ToString();
        }
        int bits = address.AddressFamily == AddressFamily.InterNetwork ? Ipv4PrefixBits : Ipv6PrefixBits;
        byte[] bytes = address.GetAddressBytes();
        for (int i = 0; i < bytes.Length; i++)
        {
            int keep = Math.Clamp(bits - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return $"{new IPAddress(bytes)}/{bits}";
    }
}
