using System.Buffers;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Protobuf;

namespace DataMesh.Libp2p.Kad;

/// <summary>Limits and lifetimes of the provider store.</summary>
public sealed record ProviderStoreOptions
{
    /// <summary>Directory of the provider files; null keeps providers in memory only.</summary>
    public string? Directory { get; init; }

    public int MaxKeys { get; init; } = 65_536;

    /// <summary>Providers kept per key; the one seen longest ago is replaced first.</summary>
    public int MaxProvidersPerKey { get; init; } = 64;

    public int MaxAddressesPerProvider { get; init; } = 16;

    /// <summary>Provider record validity: 48 h, as go-libp2p-kad-dht (providers republish every 22 h, so one missed
    /// republish does not make content unfindable).</summary>
    public TimeSpan ProviderTtl { get; init; } = TimeSpan.FromHours(48);

    /// <summary>Maps a key of an older format to its current form (null: the key is current). Applied to the keys of
    /// the files loaded (which are rewritten under the current key), and to every key added or asked for, so a record
    /// stored or asked for under the old form is the same record.</summary>
    public ProviderKeyUpgrade? UpgradeKey { get; init; }
}

/// <summary>The current form of a provider key of an older format, or null when <paramref name="key"/> is current.</summary>
public delegate byte[]? ProviderKeyUpgrade(ReadOnlySpan<byte> key);

/// <summary>One provider of a key. <see cref="IsLocal"/> marks the keys this node itself provides (republished).</summary>
public sealed record ProviderEntry(PeerId Provider, IReadOnlyList<Multiaddr> Addresses, DateTimeOffset ReceivedAt, bool IsLocal);

/// <summary>Provider records: key → peers that announced they have the content. Bounded per key and in keys, expiring,
/// optionally persisted (one file per key, rewritten on change). Thread-safe. A key is one record whatever form it
/// came in (<see cref="ProviderKey"/>: a CIDv1 and its bare multihash are the same content; an older form through
/// <see cref="ProviderStoreOptions.UpgradeKey"/>); the record keeps the CIDv1 form once it has seen it, since that
/// is the form republished.</summary>
public sealed class ProviderStore
{
    private const string Extension = ".prov";
    private readonly object _gate = new();
    private readonly Dictionary<string, Slot> _keys = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public ProviderStore(ProviderStoreOptions? options = null, TimeProvider? timeProvider = null)
    {
        Options = options ?? new ProviderStoreOptions();
        _time = timeProvider ?? TimeProvider.System;
        if (Options.Directory is { } directory)
        {
            System.IO.Directory.CreateDirectory(directory);
            Load(directory);
        }
    }

    public ProviderStoreOptions Options { get; }

    public int KeyCount
    {
        get
        {
            lock (_gate)
            {
                return _keys.Count;
            }
        }
    }

    /// <summary>Adds or refreshes a provider of <paramref name="key"/>.</summary>
    /// <exception cref="KadException">The store holds the maximum number of keys.</exception>
    public void Add(ReadOnlySpan<byte> key, PeerId provider, IEnumerable<Multiaddr> addresses, bool isLocal)
    {
        ArgumentNullException.ThrowIfNull(provider);
        (string id, byte[] current, ReadOnlyMemory<byte> content) = Resolve(key);
        DateTimeOffset now = _time.GetUtcNow();
        var entry = new ProviderEntry(provider, [.. addresses.Take(Options.MaxAddressesPerProvider)], now, isLocal);
        lock (_gate)
        {
            if (!_keys.TryGetValue(id, out var slot))
            {
                if (_keys.Count >= Options.MaxKeys)
                {
                    PurgeExpiredLocked(now);
                    if (_keys.Count >= Options.MaxKeys)
                    {
                        throw new KadException($"The provider store is full ({Options.MaxKeys} keys).");
                    }
                }
                slot = new Slot(current, content.ToArray());
                _keys[id] = slot;
            }
            else if (ProviderKey.IsPreferredForm(current, slot.Key))
            {
                slot.Key = current;
            }
            int existing = slot.Entries.FindIndex(e => e.Provider.Equals(provider));
            if (existing >= 0)
            {
                bool wasLocal = slot.Entries[existing].IsLocal;
                slot.Entries.RemoveAt(existing);
                entry = entry with { IsLocal = isLocal || wasLocal };
            }
            else if (slot.Entries.Count >= Options.MaxProvidersPerKey)
            {
                int oldest = slot.Entries.FindIndex(e => !e.IsLocal);
                if (oldest < 0)
                {
                    return;
                }
                slot.Entries.RemoveAt(oldest); // entries are kept oldest first
            }
            slot.Entries.Add(entry);
            Persist(slot);
        }
    }

    /// <summary>Unexpired providers of <paramref name="key"/>, most recently announced first.</summary>
    public IReadOnlyList<ProviderEntry> Get(ReadOnlySpan<byte> key)
    {
        string id = Resolve(key).Id;
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_keys.TryGetValue(id, out var slot))
            {
                return [];
            }
            return [.. slot.Entries.Where(e => !IsExpired(e, now)).Reverse()];
        }
    }

    /// <summary>Keys this node provides itself (to republish).</summary>
    public IReadOnlyList<byte[]> LocalKeys()
    {
        lock (_gate)
        {
            return [.. _keys.Values.Where(s => s.Entries.Any(e => e.IsLocal)).Select(s => s.Key)];
        }
    }

    /// <summary>Stops providing <paramref name="key"/> locally; other peers' announcements stay until they expire.</summary>
    public bool RemoveLocal(ReadOnlySpan<byte> key)
    {
        string id = Resolve(key).Id;
        lock (_gate)
        {
            if (!_keys.TryGetValue(id, out var slot) || slot.Entries.RemoveAll(e => e.IsLocal) == 0)
            {
                return false;
            }
            Persist(slot);
            return true;
        }
    }

    public int PurgeExpired()
    {
        lock (_gate)
        {
            return PurgeExpiredLocked(_time.GetUtcNow());
        }
    }

    private bool IsExpired(ProviderEntry entry, DateTimeOffset now) => !entry.IsLocal && now - entry.ReceivedAt >= Options.ProviderTtl;

    private int PurgeExpiredLocked(DateTimeOffset now)
    {
        int removed = 0;
        foreach ((string id, var slot) in _keys.ToList())
        {
            int dropped = slot.Entries.RemoveAll(e => IsExpired(e, now));
            removed += dropped;
            if (slot.Entries.Count == 0)
            {
                _keys.Remove(id);
            }
            if (dropped > 0)
            {
                Persist(slot);
            }
        }
        return removed;
    }

    /// <summary>The record a key stands for: its id in the map, its current form, the content it names.</summary>
    private (string Id, byte[] Current, ReadOnlyMemory<byte> Content) Resolve(ReadOnlySpan<byte> key)
    {
        byte[] current = Options.UpgradeKey?.Invoke(key) ?? key.ToArray();
        ReadOnlyMemory<byte> content = ProviderKey.Content(current);
        return (Convert.ToBase64String(content.Span), current, content);
    }

    /// <summary>A record's file is named after the content, so it stays put when a better form of the key arrives.</summary>
    private static string PathOf(string directory, Slot slot) => DiskFiles.PathFor(directory, slot.Content, Extension);

    private void Persist(Slot slot)
    {
        if (Options.Directory is not { } directory)
        {
            return;
        }
        byte[] key = slot.Key;
        List<ProviderEntry> entries = slot.Entries;
        string path = PathOf(directory, slot);
        if (entries.Count == 0)
        {
            DiskFiles.DeleteQuietly(path);
            return;
        }
        var buffer = new ArrayBufferWriter<byte>(256);
        ProtoWriter.WriteBytes(buffer, 1, key);
        foreach (ProviderEntry entry in entries)
        {
            ProtoWriter.WriteMessage(buffer, 2, entry, static (w, e) =>
            {
                ProtoWriter.WriteBytes(w, 1, e.Provider.Bytes.Span);
                foreach (Multiaddr address in e.Addresses)
                {
                    ProtoWriter.WriteBytes(w, 2, address.Bytes.Span);
                }
                ProtoWriter.WriteVarint(w, 3, (ulong)e.ReceivedAt.ToUnixTimeMilliseconds());
                ProtoWriter.WriteBool(w, 4, e.IsLocal);
            });
        }
        DiskFiles.WriteAtomic(path, buffer.WrittenSpan);
    }

    private void Load(string directory)
    {
        DateTimeOffset now = _time.GetUtcNow();
        long maxFile = 1024 + (long)Options.MaxProvidersPerKey * (128 + Options.MaxAddressesPerProvider * (Multiaddr.MaxLength + 8));
        foreach (string path in System.IO.Directory.EnumerateFiles(directory, "*" + Extension))
        {
            (byte[] Key, List<ProviderEntry> Entries)? read = TryRead(path, maxFile);
            List<ProviderEntry> live = read is null ? [] : [.. read.Value.Entries.Where(e => !IsExpired(e, now))];
            if (live.Count == 0)
            {
                DiskFiles.DeleteQuietly(path);
                continue;
            }
            (string id, byte[] current, ReadOnlyMemory<byte> content) = Resolve(read!.Value.Key);
            if (!_keys.TryGetValue(id, out Slot? slot))
            {
                if (_keys.Count >= Options.MaxKeys)
                {
                    DiskFiles.DeleteQuietly(path);
                    continue;
                }
                slot = new Slot(current, content.ToArray());
                _keys[id] = slot;
            }
            else if (ProviderKey.IsPreferredForm(current, slot.Key))
            {
                slot.Key = current;
            }
            Merge(slot.Entries, live);
            if (!string.Equals(path, PathOf(directory, slot), StringComparison.Ordinal))
            {
                // A key of an older form, or another form of a key already loaded: rewrite it under the record's file.
                Persist(slot);
                DiskFiles.DeleteQuietly(path);
            }
        }
    }

    /// <summary>Adds <paramref name="loaded"/> to <paramref name="entries"/>, one entry per provider (the later
    /// announcement, local if either was), oldest first, at most <see cref="ProviderStoreOptions.MaxProvidersPerKey"/>.</summary>
    private void Merge(List<ProviderEntry> entries, List<ProviderEntry> loaded)
    {
        foreach (ProviderEntry entry in loaded)
        {
            int existing = entries.FindIndex(e => e.Provider.Equals(entry.Provider));
            if (existing < 0)
            {
                entries.Add(entry);
                continue;
            }
            ProviderEntry other = entries[existing];
            ProviderEntry later = other.ReceivedAt >= entry.ReceivedAt ? other : entry;
            entries[existing] = later with { IsLocal = other.IsLocal || entry.IsLocal };
        }
        entries.Sort((a, b) => a.ReceivedAt.CompareTo(b.ReceivedAt));
        if (entries.Count > Options.MaxProvidersPerKey)
        {
            entries.RemoveRange(0, entries.Count - Options.MaxProvidersPerKey);
        }
    }

    private (byte[] Key, List<ProviderEntry> Entries)? TryRead(string path, long maxFile)
    {
        try
        {
            byte[]? bytes = DiskFiles.ReadBounded(path, maxFile);
            if (bytes is null)
            {
                return null;
            }
            var reader = new ProtoReader(bytes);
            byte[] key = [];
            var entries = new List<ProviderEntry>();
            while (reader.TryReadTag(out int field, out WireType wire))
            {
                if (field == 1 && wire == WireType.LengthDelimited)
                {
                    key = reader.ReadLengthDelimited().ToArray();
                }
                else if (field == 2 && wire == WireType.LengthDelimited)
                {
                    entries.Add(ReadEntry(reader.ReadLengthDelimited()));
                }
                else
                {
                    reader.Skip(wire);
                }
            }
            return key.Length == 0 ? null : (key, entries);
        }
        catch (Exception error) when (error is Libp2pException or IOException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private ProviderEntry ReadEntry(ReadOnlySpan<byte> data)
    {
        var reader = new ProtoReader(data);
        PeerId? provider = null;
        var addresses = new List<Multiaddr>();
        long received = 0;
        bool local = false;
        while (reader.TryReadTag(out int field, out WireType wire))
        {
            switch (field)
            {
                case 1: provider = PeerId.FromBytes(reader.ReadLengthDelimited()); break;
                case 2:
                    Multiaddr address = Multiaddr.FromBytes(reader.ReadLengthDelimited());
                    if (addresses.Count < Options.MaxAddressesPerProvider)
                    {
                        addresses.Add(address);
                    }
                    break;
                case 3: received = (long)reader.ReadVarint(); break;
                case 4: local = reader.ReadBool(); break;
                default: reader.Skip(wire); break;
            }
        }
        return new ProviderEntry(provider ?? throw new KadException("A stored provider entry has no peer id."), addresses, DateTimeOffset.FromUnixTimeMilliseconds(received), local);
    }

    /// <summary>One record: the key in the form kept and sent, the content it names, its providers oldest first.</summary>
    private sealed class Slot(byte[] key, byte[] content)
    {
        public byte[] Key { get; set; } = key;

        public byte[] Content { get; } = content;

        public List<ProviderEntry> Entries { get; } = [];
    }
}
