using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DataMesh.Libp2p.Identity;

namespace DataMesh.Libp2p.Multiformats;

/// <summary>Converts one multiaddr component value between its text form and its binary form (without the
/// length prefix), validating both directions so that a round trip is lossless.</summary>
internal static class MultiaddrValueCodec
{
    /// <summary>Longest length-prefixed value accepted (DNS names are at most 253 bytes; peer ids and cert hashes far
    /// less); keeps one address from carrying arbitrary payloads.</summary>
    public const int MaxVariableValueLength = 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] TextToBytes(MultiaddrProtocol protocol, string text)
    {
        switch (protocol.Kind)
        {
            case MultiaddrValueKind.Ip4:
                return ParseIp4(text) ?? throw Bad(protocol, text, "not a dotted-quad IPv4 address");
            case MultiaddrValueKind.Ip6:
                return ParseIp6(text) ?? throw Bad(protocol, text, "not an IPv6 address");
            case MultiaddrValueKind.Port:
                {
                    if (!IsDecimal(text, 5) || !ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
                    {
                        throw Bad(protocol, text, "not a port number 0-65535");
                    }
                    var bytes = new byte[2];
                    BinaryPrimitives.WriteUInt16BigEndian(bytes, port);
                    return bytes;
                }
            case MultiaddrValueKind.UInt64:
                {
                    if (!IsDecimal(text, 20) || !ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                    {
                        throw Bad(protocol, text, "not an unsigned 64-bit decimal number");
                    }
                    var bytes = new byte[8];
                    BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
                    return bytes;
                }
            case MultiaddrValueKind.Text:
                {
                    if (text.Length == 0)
                    {
                        throw Bad(protocol, text, "empty value");
                    }
                    var bytes = Encoding.UTF8.GetBytes(text);
                    return bytes.Length <= MaxVariableValueLength ? bytes : throw Bad(protocol, text[..32] + "…", "value too long");
                }
            case MultiaddrValueKind.PeerId:
                {
                    if (!PeerId.TryParse(text, out var peer))
                    {
                        throw Bad(protocol, text, "not a peer id (base58btc multihash or CIDv1 libp2p-key)");
                    }
                    return peer!.Bytes.ToArray();
                }
            case MultiaddrValueKind.Multibase:
                try
                {
                    var bytes = Multibase.Decode(text);
                    return bytes.Length is > 0 and <= MaxVariableValueLength ? bytes : throw Bad(protocol, text, "empty or too long");
                }
                catch (MultibaseFormatException ex)
                {
                    throw new MultiaddrFormatException($"Invalid /{protocol.Name} value '{text}': {ex.Message}", ex);
                }
            default:
                throw new InvalidOperationException($"/{protocol.Name} takes no value.");
        }
    }

    public static string BytesToText(MultiaddrProtocol protocol, ReadOnlySpan<byte> value)
    {
        switch (protocol.Kind)
        {
            case MultiaddrValueKind.Ip4:
            case MultiaddrValueKind.Ip6:
                return new IPAddress(value).ToString();
            case MultiaddrValueKind.Port:
                return BinaryPrimitives.ReadUInt16BigEndian(value).ToString(CultureInfo.InvariantCulture);
            case MultiaddrValueKind.UInt64:
                return BinaryPrimitives.ReadUInt64BigEndian(value).ToString(CultureInfo.InvariantCulture);
            case MultiaddrValueKind.Text:
                {
                    string text;
                    try
                    {
                        text = StrictUtf8.GetString(value);
                    }
                    catch (DecoderFallbackException ex)
                    {
                        throw new MultiaddrFormatException($"Invalid /{protocol.Name} value: not UTF-8.", ex);
                    }
                    if (text.Length == 0 || text.Contains('/', StringComparison.Ordinal))
                    {
                        throw new MultiaddrFormatException($"Invalid /{protocol.Name} value: empty or contains '/'.");
                    }
                    return text;
                }
            case MultiaddrValueKind.PeerId:
                try
                {
                    return PeerId.FromBytes(value).ToString();
                }
                catch (Libp2pException ex)
                {
                    throw new MultiaddrFormatException($"Invalid /{protocol.Name} value: {ex.Message}", ex);
                }
            case MultiaddrValueKind.Multibase:
                if (value.Length == 0)
                {
                    throw new MultiaddrFormatException($"Invalid /{protocol.Name} value: empty.");
                }
                return Multibase.Encode(MultibaseEncoding.Base64Url, value);
            default:
                return string.Empty;
        }
    }

    private static byte[]? ParseIp4(string text)
    {
        var bytes = new byte[4];
        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return null;
        }
        for (var i = 0; i < 4; i++)
        {
            // Strict: 1-3 digits, no sign, no leading zeros (which some parsers read as octal).
            var part = parts[i];
            if (!IsDecimal(part, 3) || (part.Length > 1 && part[0] == '0')
                || !byte.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out bytes[i]))
            {
                return null;
            }
        }
        return bytes;
    }

    private static byte[]? ParseIp6(string text)
    {
        // Reject forms IPAddress accepts but a multiaddr must not carry: scope ids, brackets, ports.
        if (text.Length == 0 || text.Contains('%', StringComparison.Ordinal) || text.Contains('[', StringComparison.Ordinal)
            || !text.Contains(':', StringComparison.Ordinal) || !IPAddress.TryParse(text, out var address)
            || address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return null;
        }
        return address.GetAddressBytes();
    }

    private static bool IsDecimal(string text, int maxDigits)
    {
        if (text.Length == 0 || text.Length > maxDigits)
        {
            return false;
        }
        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }
        return true;
    }

    private static MultiaddrFormatException Bad(MultiaddrProtocol protocol, string text, string why) =>
        new($"Invalid /{protocol.Name} value '{text}': {why}.");
}
