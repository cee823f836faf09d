using System.Buffers.Binary;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Io;
using Microsoft.Extensions.Logging;

namespace DataMesh.Storage.ChunkStore;

/// <summary>The persisted pins of a store: each pin id (a manifest address, or a name such as "held-for-peers")
/// maps to the shard addresses it keeps alive. One file per pin under pins/, replaced atomically, so pinning a large
/// manifest never rewrites the others. A live reference count per shard answers "is this pinned?" in O(1); garbage
/// collection checks it under the same lock that pin changes take, so a shard cannot be pinned and collected at once.
/// <para>Pin file: "DMPIN\x01" (6 bytes), count (u32 LE), count × 32-byte addresses, then the BLAKE3 of all preceding
/// bytes, so a damaged pin file is detected rather than silently unprotecting shards.</para></summary>
internal sealed class PinSet : IDisposable
{
    private static ReadOnlySpan<byte> Magic => "DMPIN\x01"u8;
    private const int HeaderLength = 6 + 4;
    private const int MaxIdLength = 128;

    /// <summary>2^22 addresses (a 128 MiB pin file) covers a 2 TiB file at 1 MiB chunks with parity.</summary>
    public const int MaxShardsPerPin = 1 << 22;

    private readonly StoreLayout _layout;
    private readonly Lock _sync = new();
    private readonly Dictionary<string, ContentHash[]> _pins = new(StringComparer.Ordinal);
    private readonly Dictionary<ContentHash, int> _references = [];
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly List<string> _unreadable = [];

    private PinSet(StoreLayout layout) => _layout = layout;

    /// <summary>Pin files that failed to load; while any exist, garbage collection refuses to run.</summary>
    public IReadOnlyList<string> Unreadable => _unreadable;

    /// <summary>The lock garbage collection holds while it decides on and deletes one shard.</summary>
    public Lock Sync => _sync;

    public static async Task<PinSet> LoadAsync(StoreLayout layout, ILogger logger, CancellationToken cancellationToken)
    {
        PinSet set = new(layout);
        foreach (string path in Directory.EnumerateFiles(layout.Pins))
        {
            cancellationToken.ThrowIfCancellationRequested();
            string name = Path.GetFileName(path);
            if (AtomicFile.IsLeftover(name))
            {
                AtomicFile.TryDelete(path);
                continue;
            }
            if (!name.EndsWith(".pin", StringComparison.Ordinal))
            {
                continue;
            }
            try
            {
                ContentHash[] hashes = await ReadPinFileAsync(path, cancellationToken).ConfigureAwait(false);
                set.Add(name[..^4], hashes);
            }
            catch (Exception ex) when (ex is StorageException or IOException or UnauthorizedAccessException)
            {
                Log.PinFileUnreadable(logger, path, ex);
                set._unreadable.Add(path);
            }
        }
        return set;
    }

    public IReadOnlyCollection<string> Ids
    {
        get
        {
            lock (_sync)
            {
                return [.. _pins.Keys];
            }
        }
    }

    public bool IsPinned(ContentHash hash)
    {
        lock (_sync)
        {
            return _references.ContainsKey(hash);
        }
    }

    public IReadOnlyList<ContentHash>? Get(string id)
    {
        lock (_sync)
        {
            return _pins.TryGetValue(id, out ContentHash[]? hashes) ? hashes : null;
        }
    }

    public async Task PinAsync(string id, IEnumerable<ContentHash> shards, CancellationToken cancellationToken)
    {
        ValidateId(id);
        ContentHash[] distinct = [.. shards.Distinct()];
        if (distinct.Length > MaxShardsPerPin)
        {
            throw new ArgumentException($"A pin may reference at most {MaxShardsPerPin} shards, got {distinct.Length}.", nameof(shards));
        }
        byte[] file = Encode(distinct);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await AtomicFile.WriteAsync(PinPath(id), file, cancellationToken).ConfigureAwait(false);
            lock (_sync)
            {
                RemoveLocked(id);
                Add(id, distinct);
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task<bool> UnpinAsync(string id, CancellationToken cancellationToken)
    {
        ValidateId(id);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            string path = PinPath(id);
            bool existed = File.Exists(path);
            File.Delete(path);
            lock (_sync)
            {
                return RemoveLocked(id) || existed;
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private void Add(string id, ContentHash[] hashes)
    {
        lock (_sync)
        {
            _pins[id] = hashes;
            foreach (ContentHash hash in hashes)
            {
                _references[hash] = _references.GetValueOrDefault(hash) + 1;
            }
        }
    }

    private bool RemoveLocked(string id)
    {
        if (!_pins.Remove(id, out ContentHash[]? old))
        {
            return false;
        }
        foreach (ContentHash hash in old)
        {
            int count = _references[hash] - 1;
            if (count == 0)
            {
                _references.Remove(hash);
            }
            else
            {
                _references[hash] = count;
            }
        }
        return true;
    }

    private string PinPath(string id) => Path.Combine(_layout.Pins, id + ".pin");

    /// <summary>Pin ids become file names, so they are restricted to a portable, unambiguous alphabet.</summary>
    public void Dispose() => _writeGate.Dispose();

    private static void ValidateId(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        bool valid = id.Length is > 0 and <= MaxIdLength && id[0] != '.'
            && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
        if (!valid)
        {
            throw new ArgumentException($"Pin id '{id}' is invalid: use 1-{MaxIdLength} ASCII letters, digits, '-', '_' or '.', not starting with '.'.", nameof(id));
        }
    }

    private static byte[] Encode(ContentHash[] hashes)
    {
        byte[] file = new byte[HeaderLength + (hashes.Length * ContentHash.Size) + ContentHash.Size];
        Magic.CopyTo(file);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(6), (uint)hashes.Length);
        for (int i = 0; i < hashes.Length; i++)
        {
            hashes[i].WriteTo(file.AsSpan(HeaderLength + (i * ContentHash.Size), ContentHash.Size));
        }
        int bodyLength = file.Length - ContentHash.Size;
        ContentHash.Compute(file.AsSpan(0, bodyLength)).WriteTo(file.AsSpan(bodyLength));
        return file;
    }

    private static async Task<ContentHash[]> ReadPinFileAsync(string path, CancellationToken cancellationToken)
    {
        long length = new FileInfo(path).Length;
        long maxLength = HeaderLength + ((long)MaxShardsPerPin * ContentHash.Size) + ContentHash.Size;
        if (length < HeaderLength + ContentHash.Size || length > maxLength)
        {
            throw new StorageException($"Pin file {path} has an impossible length of {length} bytes.");
        }
        byte[] file = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return Decode(file, path);
    }

    internal static ContentHash[] Decode(ReadOnlySpan<byte> file, string path)
    {
        if (file.Length < HeaderLength + ContentHash.Size || !file.StartsWith(Magic))
        {
            throw new StorageException($"Pin file {path} does not start with the pin file header.");
        }
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(file[6..]);
        if (count > MaxShardsPerPin || file.Length != HeaderLength + ((long)count * ContentHash.Size) + ContentHash.Size)
        {
            throw new StorageException($"Pin file {path} declares {count} shards but is {file.Length} bytes long.");
        }
        int bodyLength = file.Length - ContentHash.Size;
        if (ContentHash.Compute(file[..bodyLength]) != ContentHash.FromBytes(file[bodyLength..]))
        {
            throw new StorageException($"Pin file {path} fails its checksum.");
        }
        ContentHash[] hashes = new ContentHash[count];
        for (int i = 0; i < hashes.Length; i++)
        {
            hashes[i] = ContentHash.FromBytes(file.Slice(HeaderLength + (i * ContentHash.Size), ContentHash.Size));
        }
        return hashes;
    }
}
