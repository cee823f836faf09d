using System.Text;
using DataMesh.Shared;

namespace DataMesh.Storage.Addressing;

/// <summary>
/// The copy-pasteable text form shared by identities ("dmid1…") and file addresses ("dm1…"):
/// a human-readable prefix, then lowercase base32 of the payload followed by a 4-byte checksum.
/// The checksum covers the prefix too, so a string of one kind never parses as the other, and a
/// mistyped character is reported as a typo instead of silently naming a different key or file.
/// </summary>
internal static class CheckedText
{
    public const int ChecksumLength = 4;

    private const string ChecksumContext = "DataMesh 2026 text checksum v1";

    /// <summary>Prefixes in use, so an error can say "this looks like X" when the wrong kind is pasted.</summary>
    private static readonly (string Prefix, string Description)[] KnownPrefixes =
    [
        ("dmid1", "a DataMesh public identity"),
        ("dm1", "a DataMesh file address"),
    ];

    public static int TextLength(string prefix, int payloadLength) =>
        prefix.Length + Base32.EncodedLength(payloadLength + ChecksumLength);

    public static string Encode(string prefix, ReadOnlySpan<byte> payload)
    {
        Span<byte> buffer = stackalloc byte[payload.Length + ChecksumLength];
        payload.CopyTo(buffer);
        ComputeChecksum(prefix, payload, buffer[payload.Length..]);
        return prefix + Base32.Encode(buffer);
    }

    /// <summary>Decodes into <paramref name="payload"/> or returns a sentence explaining what is wrong.</summary>
    public static string? TryDecode(string? text, string prefix, string what, Span<byte> payload)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return $"The {what} is empty.";
        }
        ReadOnlySpan<char> trimmed = text.AsSpan().Trim();
        if (!trimmed.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            foreach (var (other, description) in KnownPrefixes)
            {
                if (other != prefix && trimmed.StartsWith(other, StringComparison.OrdinalIgnoreCase)
                    && !prefix.StartsWith(other, StringComparison.Ordinal))
                {
                    return $"This is {description} ('{other}…'), not a {what} ('{prefix}…').";
                }
            }
            return $"A {what} starts with '{prefix}'; this text starts with '{Preview(trimmed)}'.";
        }

        ReadOnlySpan<char> body = trimmed[prefix.Length..];
        for (int i = 0; i < body.Length; i++)
        {
            if (Base32.DecodeChar(body[i]) < 0)
            {
                string shown = char.IsControl(body[i]) || char.IsWhiteSpace(body[i]) ? $"U+{(int)body[i]:X4}" : $"'{body[i]}'";
                return $"Character {shown} at position {prefix.Length + i + 1} is not allowed in a {what} " +
                       "(only letters a-z and digits 2-7 follow the prefix).";
            }
        }

        int expected = Base32.EncodedLength(payload.Length + ChecksumLength);
        if (body.Length != expected)
        {
            return $"A {what} has {expected} characters after '{prefix}', this one has {body.Length}: " +
                   "characters were lost or added while copying.";
        }

        Span<byte> buffer = stackalloc byte[payload.Length + ChecksumLength];
        Span<byte> checksum = stackalloc byte[ChecksumLength];
        if (!Base32.TryDecode(body, buffer))
        {
            return $"The last character of the {what} is not valid here: it was mistyped.";
        }
        ComputeChecksum(prefix, buffer[..payload.Length], checksum);
        if (!checksum.SequenceEqual(buffer[payload.Length..]))
        {
            return $"The {what} checksum does not match: a character was mistyped or the text was altered.";
        }
        buffer[..payload.Length].CopyTo(payload);
        return null;
    }

    private static void ComputeChecksum(string prefix, ReadOnlySpan<byte> payload, Span<byte> checksum)
    {
        using var hasher = Blake3.Hasher.NewDeriveKey(ChecksumContext);
        hasher.Update(Encoding.ASCII.GetBytes(prefix));
        hasher.Update(payload);
        Span<byte> full = stackalloc byte[32];
        hasher.Finalize(full);
        full[..ChecksumLength].CopyTo(checksum);
    }

    private static string Preview(ReadOnlySpan<char> text) =>
        text.Length <= 8 ? text.ToString() : string.Concat(text[..8], "…");
}
