using DataMesh.Storage.Addressing;

namespace DataMesh.Storage.ChunkStore;

/// <summary>The directory layout of a chunk store:
/// <code>
/// root/
///   LOCK                 held open exclusively while a process has the store open
///   shards/ab/cd/abcd…   one file per shard, named by its 64-hex-digit BLAKE3-256, fanned out by its first two bytes
///   tmp/                 writes in progress (same volume as shards/, so the final rename is atomic); emptied at open
///   pins/&lt;pin-id&gt;.pin     one file per pin: the shard addresses it keeps alive
/// </code>
/// Two levels of 256 folders keep every directory small up to hundreds of millions of shards.</summary>
internal sealed class StoreLayout
{
    public StoreLayout(string root)
    {
        Root = Path.GetFullPath(root);
        Shards = Path.Combine(Root, "shards");
        Temp = Path.Combine(Root, "tmp");
        Pins = Path.Combine(Root, "pins");
        LockFile = Path.Combine(Root, "LOCK");
    }

    public string Root { get; }
    public string Shards { get; }
    public string Temp { get; }
    public string Pins { get; }
    public string LockFile { get; }

    public string ShardPath(ContentHash hash)
    {
        string hex = hash.ToString();
        return Path.Combine(Shards, hex[..2], hex[2..4], hex);
    }

    public string NewTempPath() => Path.Combine(Temp, Guid.NewGuid().ToString("N") + ".part");

    public void CreateDirectories()
    {
        Directory.CreateDirectory(Shards);
        Directory.CreateDirectory(Temp);
        Directory.CreateDirectory(Pins);
    }

    /// <summary>Recognises a shard file by name and folder, so stray files never count as shards.</summary>
    public static bool TryParseShardPath(string path, out ContentHash hash)
    {
        hash = default;
        string name = Path.GetFileName(path);
        if (!ContentHash.TryParse(name, out ContentHash parsed))
        {
            return false;
        }
        string? level2 = Path.GetDirectoryName(path);
        string? level1 = level2 is null ? null : Path.GetDirectoryName(level2);
        if (level2 is null || level1 is null
            || !string.Equals(Path.GetFileName(level2), name[2..4], StringComparison.OrdinalIgnoreCase)
            || !string.Equals(Path.GetFileName(level1), name[..2], StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        hash = parsed;
        return true;
    }
}
