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
}

/// <summary>One provider of a key. <see cref="IsLocal"/> marks the keys this node itself provides (republished).</summary>
public sealed record ProviderEntry(PeerId Provider, IReadOnlyList<Multiaddr> Addresses, DateTimeOffset ReceivedAt, bool IsLocal);

/// <summary>Provider records: key → peers that announced they have the content. Bounded per key and in keys, expiring,
/// optionally persisted (one file per key, rewritten on change). Thread-safe.</summary>
public sealed class ProviderStore
{
    private const string Extension = ".prov";
    private readonly object _gate = new();
    private readonly Dictionary<string, (byte[] Key, List<ProviderEntry> Entries)> _keys = new(StringComparer.Ordinal);
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
        string id = Convert.ToBase64String(key);
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
                slot = (key.ToArray(), new List<ProviderEntry>());
                _keys[id] = slot;
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
            Persist(slot.Key, slot.Entries);
        }
    }

    /// <summary>Unexpired providers of <paramref name="key"/>, most recently announced first.</summary>
    public IReadOnlyList<ProviderEntry> Get(ReadOnlySpan<byte> key)
    {
        string id = Convert.ToBase64String(key);
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
        string id = Convert.ToBase64String(key);
        lock (_gate)
        {
            if (!_keys.TryGetValue(id, out var slot) || slot.Entries.RemoveAll(e => e.IsLocal) == 0)
            {
                return false;
            }
            Persist(slot.Key, slot.Entries);
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
                Persist(slot.Key, slot.Entries);
            }
        }
        return removed;
    }

    private void Persist(byte[] key, List<ProviderEntry> entries)
    {
        if (Options.Directory is not { } directory)
        {
            return;
        }
        string path = DiskFiles.PathFor(directory, key, Extension);
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
            (byte[] Key, List<ProviderEntry> Entries)? slot = TryRead(path, maxFile);
            if (slot is null || _keys.Count >= Options.MaxKeys)
            {
                DiskFiles.DeleteQuietly(path);
                continue;
            }
            List<ProviderEntry> live = [.. slot.Value.Entries.Where(e => !IsExpired(e, now)).TakeLast(Options.MaxProvidersPerKey)];
            if (live.Count == 0)
            {
                DiskFiles.DeleteQuietly(path);
                continue;
            }
            _keys[Convert.ToBase64String(slot.Value.Key)] = (slot.Value.Key, live);
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
}
