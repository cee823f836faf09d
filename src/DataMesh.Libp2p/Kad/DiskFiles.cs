using System.Security.Cryptography;

namespace DataMesh.Libp2p.Kad;

/// <summary>File helpers shared by the record and provider stores: one small file per key, named by the SHA-256 of
/// the key (keys are arbitrary bytes), replaced atomically so a crash leaves the old or the new version.</summary>
internal static class DiskFiles
{
    public static string PathFor(string directory, ReadOnlySpan<byte> key, string extension) =>
        Path.Combine(directory, Convert.ToHexStringLower(SHA256.HashData(key)) + extension);

    public static void WriteAtomic(string path, ReadOnlySpan<byte> content)
    {
        string temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    public static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Gone already or locked by a scanner: the entry is dropped from memory either way, and a stale file
            // is purged as expired on the next load.
        }
    }

    /// <summary>Reads a file of at most <paramref name="maxBytes"/>; null when it is larger (checked before reading).</summary>
    public static byte[]? ReadBounded(string path, long maxBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length > maxBytes)
        {
            return null;
        }
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
