using System.Text;

namespace DataMesh.Core.Transfers;

/// <summary>The line format of a <see cref="TransferJournal"/>: ASCII payload, a space, its CRC-32 in 8 hex digits, a newline.</summary>
internal static class TransferJournalLines
{
    private const int MaxTokenLength = 4096;

    public static byte[] Encode(string payload)
    {
        var bytes = Encoding.ASCII.GetBytes(payload);
        return Encoding.ASCII.GetBytes($"{payload} {Crc32.Compute(bytes):x8}\n");
    }

    public static string? TryDecode(ReadOnlySpan<byte> line)
    {
        const int checksumLength = 9; // " " + 8 hex digits
        if (line.Length <= checksumLength || line[^checksumLength] != (byte)' ')
        {
            return null;
        }
        var payload = line[..^checksumLength];
        if (!uint.TryParse(Encoding.ASCII.GetString(line[^8..]), System.Globalization.NumberStyles.AllowHexSpecifier, null, out uint crc)
            || crc != Crc32.Compute(payload))
        {
            return null;
        }
        return Encoding.ASCII.GetString(payload);
    }

    public static bool IsToken(string? token) =>
        !string.IsNullOrEmpty(token) && token.Length <= MaxTokenLength
        && token.All(static c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' or '.' or '-' or '_');
}
