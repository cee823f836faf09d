using System.Net;
using System.Net.Sockets;
using System.Text;
using DataMesh.Libp2p.Identity;

namespace DataMesh.Libp2p.Multiformats;

/// <summary>
/// A composable, self-describing network address (multiformats/multiaddr), e.g. /ip4/1.2.3.4/tcp/4001/p2p/12D3….
/// Immutable; equality is equality of the binary form.
/// </summary>
public sealed class Multiaddr : IEquatable<Multiaddr>
{
    /// <summary>Longest text or binary multiaddr accepted.</summary>
    public const int MaxLength = 4096;

    private readonly byte[] _bytes;
    private readonly MultiaddrComponent[] _components;
    private string? _text;

    private Multiaddr(byte[] bytes, MultiaddrComponent[] components)
    {
        _bytes = bytes;
        _components = components;
    }

    /// <summary>The multiaddr with no components (the identity of <see cref="Encapsulate"/>).</summary>
    public static Multiaddr Empty { get; } = new([], []);

    public IReadOnlyList<MultiaddrComponent> Components => _components;

    public bool IsEmpty => _components.Length == 0;

    /// <summary>The peer named by the last /p2p component, if any.</summary>
    public PeerId? PeerId
    {
        get
        {
            for (var i = _components.Length - 1; i >= 0; i--)
            {
                if (ReferenceEquals(_components[i].Protocol, MultiaddrProtocol.P2p))
                {
                    return Identity.PeerId.FromBytes(_components[i].ValueBytes.Span);
                }
            }
            return null;
        }
    }

    /// <exception cref="MultiaddrFormatException">Unknown protocol, missing or bad value, empty input.</exception>
    public static Multiaddr Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength)
        {
            throw new MultiaddrFormatException($"Multiaddr text of {text.Length} characters exceeds the {MaxLength} limit.");
        }
        if (text.Length == 0 || text[0] != '/')
        {
            throw new MultiaddrFormatException($"Invalid multiaddr '{text}': must start with '/'.");
        }
        var parts = text.Split('/');
        // parts[0] is empty (leading '/'); a single trailing '/' is tolerated.
        var count = parts[^1].Length == 0 ? parts.Length - 1 : parts.Length;
        if (count <= 1)
        {
            throw new MultiaddrFormatException("Invalid multiaddr: no components.");
        }
        var components = new List<MultiaddrComponent>();
        for (var i = 1; i < count; i++)
        {
            var name = parts[i];
            if (!MultiaddrProtocol.TryGetByName(name, out var protocol))
            {
                throw new MultiaddrFormatException(name.Length == 0
                    ? $"Invalid multiaddr '{text}': empty protocol name."
                    : $"Invalid multiaddr '{text}': unknown protocol '{name}'.");
            }
            if (protocol!.Kind == MultiaddrValueKind.None)
            {
                components.Add(new MultiaddrComponent(protocol, string.Empty, ReadOnlyMemory<byte>.Empty));
                continue;
            }
            if (++i >= count)
            {
                throw new MultiaddrFormatException($"Invalid multiaddr '{text}': /{protocol.Name} is missing its value.");
            }
            var valueBytes = MultiaddrValueCodec.TextToBytes(protocol, parts[i]);
            components.Add(new MultiaddrComponent(protocol, MultiaddrValueCodec.BytesToText(protocol, valueBytes), valueBytes));
        }
        return FromComponents(components);
    }

    public static bool TryParse(string? text, out Multiaddr? multiaddr)
    {
        multiaddr = null;
        if (text is null)
        {
            return false;
        }
        try
        {
            multiaddr = Parse(text);
            return true;
        }
        catch (MultiaddrFormatException)
        {
            return false;
        }
    }

    /// <exception cref="MultiaddrFormatException">Unknown protocol code, bad value, truncated or empty input.</exception>
    public static Multiaddr FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxLength)
        {
            throw new MultiaddrFormatException($"Binary multiaddr of {bytes.Length} bytes exceeds the {MaxLength} limit.");
        }
        if (bytes.IsEmpty)
        {
            throw new MultiaddrFormatException("Invalid multiaddr: no components.");
        }
        var components = new List<MultiaddrComponent>();
        var offset = 0;
        while (offset < bytes.Length)
        {
            var code = ReadVarint(bytes[offset..], out var n, "protocol code");
            offset += n;
            if (!MultiaddrProtocol.TryGetByCode(code, out var protocol))
            {
                throw new MultiaddrFormatException($"Invalid binary multiaddr: unknown protocol code {code}.");
            }
            var size = protocol!.FixedSize;
            if (size < 0)
            {
                var length = ReadVarint(bytes[offset..], out n, $"/{protocol.Name} value length");
                offset += n;
                if (length > MultiaddrValueCodec.MaxVariableValueLength)
                {
                    throw new MultiaddrFormatException($"Invalid binary multiaddr: /{protocol.Name} value length {length} is too long.");
                }
                size = (int)length;
            }
            if (bytes.Length - offset < size)
            {
                throw new MultiaddrFormatException($"Invalid binary multiaddr: /{protocol.Name} value truncated ({size} bytes needed, {bytes.Length - offset} left).");
            }
            var value = bytes.Slice(offset, size).ToArray();
            offset += size;
            components.Add(new MultiaddrComponent(protocol, MultiaddrValueCodec.BytesToText(protocol, value), value));
        }
        return new Multiaddr(bytes.ToArray(), [.. components]);
    }

    /// <summary>/ip4/a.b.c.d/tcp/port or /ip6/…/tcp/port (IPv4-mapped IPv6 addresses become /ip4).</summary>
    public static Multiaddr FromIPEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var address = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        var ipProtocol = address.AddressFamily == AddressFamily.InterNetwork ? MultiaddrProtocol.Ip4 : MultiaddrProtocol.Ip6;
        var ipBytes = address.GetAddressBytes();
        var portBytes = new[] { (byte)(endPoint.Port >> 8), (byte)endPoint.Port };
        return FromComponents(
        [
            new MultiaddrComponent(ipProtocol, MultiaddrValueCodec.BytesToText(ipProtocol, ipBytes), ipBytes),
            new MultiaddrComponent(MultiaddrProtocol.Tcp, MultiaddrValueCodec.BytesToText(MultiaddrProtocol.Tcp, portBytes), portBytes),
        ]);
    }

    /// <summary>Builds a multiaddr from components. Each value is validated from its bytes, and its text form is
    /// re-derived from them, so hand-made components cannot produce an inconsistent address.</summary>
    /// <exception cref="MultiaddrFormatException">A value of the wrong size or content for its protocol.</exception>
    public static Multiaddr FromComponents(IEnumerable<MultiaddrComponent> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        var list = components.Select(Normalize).ToArray();
        using var buffer = new MemoryStream();
        Span<byte> varint = stackalloc byte[Varint.MaxLength];
        foreach (var component in list)
        {
            buffer.Write(varint[..Varint.Write(varint, (ulong)component.Code)]);
            if (component.Protocol.FixedSize < 0)
            {
                buffer.Write(varint[..Varint.Write(varint, (ulong)component.ValueBytes.Length)]);
            }
            buffer.Write(component.ValueBytes.Span);
        }
        return new Multiaddr(buffer.ToArray(), list);
    }

    public byte[] ToBytes() => (byte[])_bytes.Clone();

    /// <summary>The binary form without copying.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    public override string ToString()
    {
        if (_text is null)
        {
            var builder = new StringBuilder();
            foreach (var component in _components)
            {
                builder.Append(component.ToString());
            }
            _text = builder.ToString();
        }
        return _text;
    }

    /// <summary>This address followed by <paramref name="inner"/>.</summary>
    public Multiaddr Encapsulate(Multiaddr inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        return new Multiaddr([.. _bytes, .. inner._bytes], [.. _components, .. inner._components]);
    }

    /// <summary>This address with a trailing /p2p/<paramref name="peerId"/>, replacing a trailing /p2p if present.</summary>
    public Multiaddr WithPeerId(PeerId peerId)
    {
        ArgumentNullException.ThrowIfNull(peerId);
        var bytes = peerId.Bytes;
        var p2p = new MultiaddrComponent(MultiaddrProtocol.P2p, peerId.ToString(), bytes);
        return FromComponents([.. WithoutPeerId()._components, p2p]);
    }

    /// <summary>This address without its trailing /p2p component (unchanged if there is none).</summary>
    public Multiaddr WithoutPeerId()
    {
        if (_components.Length == 0 || !ReferenceEquals(_components[^1].Protocol, MultiaddrProtocol.P2p))
        {
            return this;
        }
        return _components.Length == 1 ? Empty : FromComponents(_components[..^1]);
    }

    /// <summary>
    /// The TCP endpoint of /ip4|ip6|dns|dns4|dns6/…/tcp/port, optionally followed by /p2p/…. Other shapes (e.g. with
    /// /ws, or /udp) are not plain TCP and give false.
    /// </summary>
    public bool TryGetTcpEndPoint(out EndPoint? endPoint)
    {
        endPoint = null;
        var c = _components;
        var shapeOk = c.Length == 2 || (c.Length == 3 && ReferenceEquals(c[2].Protocol, MultiaddrProtocol.P2p));
        if (!shapeOk || !ReferenceEquals(c[1].Protocol, MultiaddrProtocol.Tcp))
        {
            return false;
        }
        var port = (c[1].ValueBytes.Span[0] << 8) | c[1].ValueBytes.Span[1];
        var host = c[0];
        if (ReferenceEquals(host.Protocol, MultiaddrProtocol.Ip4) || ReferenceEquals(host.Protocol, MultiaddrProtocol.Ip6))
        {
            endPoint = new IPEndPoint(new IPAddress(host.ValueBytes.Span), port);
            return true;
        }
        var family = ReferenceEquals(host.Protocol, MultiaddrProtocol.Dns) ? AddressFamily.Unspecified
            : ReferenceEquals(host.Protocol, MultiaddrProtocol.Dns4) ? AddressFamily.InterNetwork
            : ReferenceEquals(host.Protocol, MultiaddrProtocol.Dns6) ? AddressFamily.InterNetworkV6
            : (AddressFamily?)null;
        if (family is null)
        {
            return false;
        }
        endPoint = new DnsEndPoint(host.Value, port, family.Value);
        return true;
    }

    public bool Equals(Multiaddr? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => Equals(obj as Multiaddr);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    public static bool operator ==(Multiaddr? left, Multiaddr? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Multiaddr? left, Multiaddr? right) => !(left == right);

    private static MultiaddrComponent Normalize(MultiaddrComponent component)
    {
        ArgumentNullException.ThrowIfNull(component);
        var protocol = component.Protocol;
        var size = protocol.FixedSize;
        var length = component.ValueBytes.Length;
        if ((size >= 0 && length != size) || (size < 0 && length > MultiaddrValueCodec.MaxVariableValueLength))
        {
            throw new MultiaddrFormatException($"Invalid /{protocol.Name} value: {length} bytes.");
        }
        var text = MultiaddrValueCodec.BytesToText(protocol, component.ValueBytes.Span);
        return text == component.Value ? component : component with { Value = text };
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> bytes, out int consumed, string what)
    {
        try
        {
            return Varint.ReadComplete(bytes, out consumed, what);
        }
        catch (MalformedVarintException ex)
        {
            throw new MultiaddrFormatException($"Invalid binary multiaddr: {ex.Message}", ex);
        }
    }
}
