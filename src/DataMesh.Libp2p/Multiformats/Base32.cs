namespace DataMesh.Libp2p.Multiformats;

/// <summary>RFC 4648 base32 without padding, as used by multibase 'b' (lower case) and 'B' (upper case).</summary>
public static class Base32
{
    private const string LowerAlphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public static string Encode(ReadOnlySpan<byte> data, bool upperCase = false)
    {
        var chars = new char[((data.Length * 8) + 4) / 5];
        var buffer = 0;
        var bits = 0;
        var n = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                chars[n++] = LowerAlphabet[(buffer >> bits) & 31];
            }
        }
        if (bits > 0)
        {
            chars[n++] = LowerAlphabet[(buffer << (5 - bits)) & 31];
        }
        var text = new string(chars, 0, n);
        return upperCase ? text.ToUpperInvariant() : text;
    }

    /// <summary>Decodes unpadded base32 in one case (<paramref name="upperCase"/> selects which).</summary>
    /// <exception cref="MultibaseFormatException">A character outside the alphabet, or an impossible length.</exception>
    public static byte[] Decode(ReadOnlySpan<char> text, bool upperCase = false)
    {
        var remainderChars = text.Length % 8;
        if (remainderChars is 1 or 3 or 6)
        {
            throw new MultibaseFormatException($"Invalid base32 length {text.Length}.");
        }
        var result = new byte[text.Length * 5 / 8];
        var buffer = 0;
        var bits = 0;
        var n = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var value = DecodeChar(text[i], upperCase);
            if (value < 0)
            {
                throw new MultibaseFormatException($"Invalid base32 character '{text[i]}' at position {i}.");
            }
            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                result[n++] = (byte)(buffer >> bits);
            }
        }
        if ((buffer & ((1 << bits) - 1)) != 0)
        {
            throw new MultibaseFormatException("Invalid base32: non-zero trailing bits.");
        }
        return result;
    }

    private static int DecodeChar(char c, bool upperCase)
    {
        var first = upperCase ? 'A' : 'a';
        if (c >= first && c < first + 26)
        {
            return c - first;
        }
        return c is >= '2' and <= '7' ? c - '2' + 26 : -1;
    }
}
