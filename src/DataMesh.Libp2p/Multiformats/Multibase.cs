using System.Buffers.Text;
using DataMesh.Shared;

namespace DataMesh.Libp2p.Multiformats;

/// <summary>The multibase encodings this library reads and writes.</summary>
internal enum MultibaseEncoding
{
    Base58Btc,
    Base32Lower,
    Base32Upper,
    Base16Lower,
    Base16Upper,
    Base64,
    Base64Url,
}

/// <summary>Self-describing base encodings (multiformats/multibase): a one-character prefix, then the data.</summary>
internal static class Multibase
{
    public static string Encode(MultibaseEncoding encoding, ReadOnlySpan<byte> data) => encoding switch
    {
        MultibaseEncoding.Base58Btc => "z" + Base58.Encode(data),
        MultibaseEncoding.Base32Lower => "b" + Base32.Encode(data),
        MultibaseEncoding.Base32Upper => "B" + Base32.Encode(data, upperCase: true),
        MultibaseEncoding.Base16Lower => "f" + Convert.ToHexStringLower(data),
        MultibaseEncoding.Base16Upper => "F" + Convert.ToHexString(data),
        MultibaseEncoding.Base64 => "m" + Convert.ToBase64String(data).TrimEnd('='),
        MultibaseEncoding.Base64Url => "u" + Base64Url.EncodeToString(data),
        _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Unknown multibase encoding."),
    };

    /// <exception cref="MultibaseFormatException">Empty input, unknown prefix, or a character outside the alphabet.</exception>
    public static byte[] Decode(string text) => Decode(text, out _);

    /// <exception cref="MultibaseFormatException">Empty input, unknown prefix, or a character outside the alphabet.</exception>
    public static byte[] Decode(string text, out MultibaseEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            throw new MultibaseFormatException("Empty multibase string.");
        }
        var body = text.AsSpan(1);
        switch (text[0])
        {
            case 'z':
                encoding = MultibaseEncoding.Base58Btc;
                return Base58.Decode(body);
            case 'b':
                encoding = MultibaseEncoding.Base32Lower;
                return DecodeBase32(body, upperCase: false);
            case 'B':
                encoding = MultibaseEncoding.Base32Upper;
                return DecodeBase32(body, upperCase: true);
            case 'f':
                encoding = MultibaseEncoding.Base16Lower;
                return DecodeHex(body, upperCase: false);
            case 'F':
                encoding = MultibaseEncoding.Base16Upper;
                return DecodeHex(body, upperCase: true);
            case 'm':
                encoding = MultibaseEncoding.Base64;
                return DecodeBase64(body, urlSafe: false);
            case 'u':
                encoding = MultibaseEncoding.Base64Url;
                return DecodeBase64(body, urlSafe: true);
            default:
                throw new MultibaseFormatException($"Unsupported multibase prefix '{text[0]}'.");
        }
    }

    /// <summary>Unpadded base32 in one case (<paramref name="upperCase"/> selects which).</summary>
    private static byte[] DecodeBase32(ReadOnlySpan<char> body, bool upperCase)
    {
        if (body.Length % 8 is 1 or 3 or 6)
        {
            throw new MultibaseFormatException($"Invalid base32 length {body.Length}.");
        }
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (Base32.DecodeChar(c) < 0 || (char.IsAsciiLetter(c) && char.IsAsciiLetterUpper(c) != upperCase))
            {
                throw new MultibaseFormatException($"Invalid base32 character '{c}' at position {i}.");
            }
        }
        var result = new byte[Base32.DecodedLength(body.Length)];
        if (!Base32.TryDecode(body, result))
        {
            throw new MultibaseFormatException("Invalid base32: non-zero trailing bits.");
        }
        return result;
    }

    private static byte[] DecodeHex(ReadOnlySpan<char> body, bool upperCase)
    {
        foreach (var c in body)
        {
            var ok = c is >= '0' and <= '9' || (upperCase ? c is >= 'A' and <= 'F' : c is >= 'a' and <= 'f');
            if (!ok)
            {
                throw new MultibaseFormatException($"Invalid base16 character '{c}'.");
            }
        }
        if (body.Length % 2 != 0)
        {
            throw new MultibaseFormatException("Invalid base16: odd number of digits.");
        }
        return Convert.FromHexString(body);
    }

    private static byte[] DecodeBase64(ReadOnlySpan<char> body, bool urlSafe)
    {
        // Multibase base64 variants are unpadded; reject '=' and the other variant's characters explicitly.
        foreach (var c in body)
        {
            var ok = c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9'
                || (urlSafe ? c is '-' or '_' : c is '+' or '/');
            if (!ok)
            {
                throw new MultibaseFormatException($"Invalid base64 character '{c}'.");
            }
        }
        if (body.Length % 4 == 1)
        {
            throw new MultibaseFormatException($"Invalid base64 length {body.Length}.");
        }
        try
        {
            return Base64Url.DecodeFromChars(urlSafe ? body : body.ToString().Replace('+', '-').Replace('/', '_'));
        }
        catch (FormatException ex)
        {
            throw new MultibaseFormatException($"Invalid base64: {ex.Message}");
        }
    }
}
