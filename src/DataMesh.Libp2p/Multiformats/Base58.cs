namespace DataMesh.Libp2p.Multiformats;

/// <summary>Base58 with the Bitcoin alphabet (multibase "base58btc"), without a multibase prefix.</summary>
internal static class Base58
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    /// <summary>Longest input accepted by <see cref="Decode"/>; the conversion is quadratic, and peer ids, keys and
    /// hashes are far shorter.</summary>
    public const int MaxDecodeLength = 1024;

    private static readonly sbyte[] DecodeMap = BuildDecodeMap();

    public static string Encode(ReadOnlySpan<byte> data)
    {
        var zeros = 0;
        while (zeros < data.Length && data[zeros] == 0)
        {
            zeros++;
        }
        // log(256) / log(58) ≈ 1.366; digits are little-endian base-58.
        var digits = new byte[((data.Length - zeros) * 138 / 100) + 1];
        var length = 0;
        for (var i = zeros; i < data.Length; i++)
        {
            int carry = data[i];
            for (var j = 0; j < length; j++)
            {
                carry += digits[j] << 8;
                digits[j] = (byte)(carry % 58);
                carry /= 58;
            }
            while (carry > 0)
            {
                digits[length++] = (byte)(carry % 58);
                carry /= 58;
            }
        }
        return string.Create(zeros + length, (digits, length, zeros), static (chars, state) =>
        {
            chars[..state.zeros].Fill('1');
            for (var i = 0; i < state.length; i++)
            {
                chars[state.zeros + i] = Alphabet[state.digits[state.length - 1 - i]];
            }
        });
    }

    /// <exception cref="MultibaseFormatException">A character outside the alphabet, or input too long.</exception>
    public static byte[] Decode(ReadOnlySpan<char> text)
    {
        if (text.Length > MaxDecodeLength)
        {
            throw new MultibaseFormatException($"base58btc input of {text.Length} characters exceeds the {MaxDecodeLength}-character limit.");
        }
        var zeros = 0;
        while (zeros < text.Length && text[zeros] == '1')
        {
            zeros++;
        }
        // log(58) / log(256) ≈ 0.733; bytes are little-endian base-256.
        var bytes = new byte[((text.Length - zeros) * 733 / 1000) + 1];
        var length = 0;
        for (var i = zeros; i < text.Length; i++)
        {
            var c = text[i];
            var digit = c < 128 ? DecodeMap[c] : -1;
            if (digit < 0)
            {
                throw new MultibaseFormatException($"Invalid base58btc character '{c}' at position {i}.");
            }
            int carry = digit;
            for (var j = 0; j < length; j++)
            {
                carry += bytes[j] * 58;
                bytes[j] = (byte)carry;
                carry >>= 8;
            }
            while (carry > 0)
            {
                bytes[length++] = (byte)carry;
                carry >>= 8;
            }
        }
        var result = new byte[zeros + length];
        for (var i = 0; i < length; i++)
        {
            result[zeros + i] = bytes[length - 1 - i];
        }
        return result;
    }

    private static sbyte[] BuildDecodeMap()
    {
        var map = new sbyte[128];
        Array.Fill(map, (sbyte)-1);
        for (var i = 0; i < Alphabet.Length; i++)
        {
            map[Alphabet[i]] = (sbyte)i;
        }
        return map;
    }
}
