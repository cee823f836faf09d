namespace DataMesh.Storage.Crypto;

/// <summary>
/// RFC 4648 base32 in lowercase without padding. Chosen for the human-facing strings (identities, file
/// addresses) because it survives case-insensitive file systems, URLs and shells, and has no 0/O or 1/l pairs.
/// </summary>
internal static class Base32
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>Number of characters needed for <paramref name="byteCount"/> bytes (no padding).</summary>
    public static int EncodedLength(int byteCount) => checked((byteCount * 8 + 4) / 5);

    public static string Encode(ReadOnlySpan<byte> data)
    {
        var chars = new char[EncodedLength(data.Length)];
        int buffer = 0, bits = 0, index = 0;
        foreach (byte b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                chars[index++] = Alphabet[(buffer >> bits) & 31];
            }
        }
        if (bits > 0)
        {
            chars[index++] = Alphabet[(buffer << (5 - bits)) & 31];
        }
        return new string(chars, 0, index);
    }

    /// <summary>Value of one base32 character (either case), or -1.</summary>
    public static int DecodeChar(char c) => c switch
    {
        >= 'a' and <= 'z' => c - 'a',
        >= 'A' and <= 'Z' => c - 'A',
        >= '2' and <= '7' => c - '2' + 26,
        _ => -1,
    };

    /// <summary>
    /// Decodes exactly <c>destination.Length</c> bytes. The caller has already checked every character and the
    /// length; returns false only when the unused trailing bits are not zero (a non-canonical spelling).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> text, Span<byte> destination)
    {
        if (text.Length != EncodedLength(destination.Length))
        {
            return false;
        }
        int buffer = 0, bits = 0, index = 0;
        foreach (char c in text)
        {
            int value = DecodeChar(c);
            if (value < 0)
            {
                return false;
            }
            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                destination[index++] = (byte)(buffer >> bits);
            }
            buffer &= (1 << bits) - 1;
        }
        return buffer == 0;
    }
}
