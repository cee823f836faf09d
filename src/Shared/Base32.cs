namespace DataMesh.Shared;

/// <summary>
/// RFC 4648 base32 without padding: multibase 'b'/'B' in DataMesh.Libp2p, and the human-facing "dm1…"/"dmid1…"
/// strings in DataMesh.Storage (lowercase survives case-insensitive file systems, URLs and shells, and has no
/// 0/O or 1/l pairs). Neither layer may reference the other, so this one source file is compiled into both.
/// </summary>
internal static class Base32
{
    private const string LowerAlphabet = "abcdefghijklmnopqrstuvwxyz234567";
    private const string UpperAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// <summary>Number of characters needed for <paramref name="byteCount"/> bytes (no padding).</summary>
    public static int EncodedLength(int byteCount) => checked((byteCount * 8 + 4) / 5);

    /// <summary>Number of whole bytes that <paramref name="charCount"/> characters carry.</summary>
    public static int DecodedLength(int charCount) => (int)((long)charCount * 5 / 8);

    public static string Encode(ReadOnlySpan<byte> data, bool upperCase = false)
    {
        string alphabet = upperCase ? UpperAlphabet : LowerAlphabet;
        var chars = new char[EncodedLength(data.Length)];
        int buffer = 0, bits = 0, index = 0;
        foreach (byte b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                chars[index++] = alphabet[(buffer >> bits) & 31];
            }
        }
        if (bits > 0)
        {
            chars[index++] = alphabet[(buffer << (5 - bits)) & 31];
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
    /// Decodes exactly <c>destination.Length</c> bytes (either case). Returns false when the length does not match,
    /// a character is outside the alphabet, or the unused trailing bits are not zero (a non-canonical spelling);
    /// callers that report which of these went wrong check the length and characters first.
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
