using System.Buffers;
using DataMesh.Libp2p.Protobuf;

namespace DataMesh.Libp2p.Kad;

/// <summary>Limits and lifetimes of the record store.</summary>
public sealed record RecordStoreOptions
{
    /// <summary>Directory of the record files; null keeps records in memory only.</summary>
    public string? Directory { get; init; }

    public int MaxRecords { get; init; } = 16_384;

    /// <summary>Sum of key and value bytes over all records.</summary>
    public long MaxBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>How long a record received from another peer is kept: 36 h, go-libp2p-kad-dht's MaxRecordAge. Values
    /// are republished by their originator well inside that time, so a record outlives it only while someone cares.</summary>
    public TimeSpan RecordTtl { get; init; } = TimeSpan.FromHours(36);
}

/// <summary>A stored record. <see cref="IsLocal"/> records were published by this node: they never expire here and
/// are republished to the current closest peers on schedule.</summary>
public sealed record StoredRecord(ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte> Value, DateTimeOffset ReceivedAt, bool IsLocal, DateTimeOffset LastPublished);

/// <summary>The DHT's record store: bounded in count and bytes, with expiry, optionally persisted to one file per
/// record so it survives a restart. Thread-safe.</summary>
public sealed class RecordStore
{
    private const string Extension = ".rec";
    private readonly object _gate = new();
    private readonly Dictionary<string, StoredRecord> _records = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private long _bytes;

    public RecordStore(RecordStoreOptions? options = null, TimeProvider? timeProvider = null)
    {
        Options = options ?? new RecordStoreOptions();
        _time = timeProvider ?? TimeProvider.System;
        if (Options.Directory is { } directory)
        {
            System.IO.Directory.CreateDirectory(directory);
            Load(directory);
        }
    }

    public RecordStoreOptions Options { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _records.Count;
            }
        }
    }

    public long TotalBytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    /// <summary>The record, or null when absent or expired.</summary>
    public StoredRecord? Get(ReadOnlySpan<byte> key)
    {
        string id = IdOf(key);
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_records.TryGetValue(id, out StoredRecord? record))
            {
                return null;
            }
            if (IsExpired(record, now))
            {
                RemoveLocked(id, record);
                return null;
            }
            return record;
        }
    }

    /// <summary>Stores or replaces a record (validation and selection are the caller's job).</summary>
    /// <exception cref="RecordRejectedException">The store is full.</exception>
    public StoredRecord Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool isLocal)
    {
        string id = IdOf(key);
        DateTimeOffset now = _time.GetUtcNow();
        var record = new StoredRecord(key.ToArray(), value.ToArray(), now, isLocal, now);
        lock (_gate)
        {
            _records.TryGetValue(id, out StoredRecord? previous);
            if (previous is not null && previous.IsLocal && !isLocal)
            {
                // Someone else's copy of our own record: keep ours authoritative for republishing.
                record = record with { IsLocal = true, LastPublished = previous.LastPublished };
            }
            long size = key.Length + value.Length;
            long previousSize = previous is null ? 0 : previous.Key.Length + previous.Value.Length;
            if (previous is null && _records.Count >= Options.MaxRecords)
            {
                PurgeExpiredLocked(now);
                if (_records.Count >= Options.MaxRecords)
                {
                    throw new RecordRejectedException(RecordValidatorRegistry.KeyText(key), $"the record store is full ({Options.MaxRecords} records)");
                }
            }
            if (_bytes - previousSize + size > Options.MaxBytes)
            {
                PurgeExpiredLocked(now);
                if (_bytes - previousSize + size > Options.MaxBytes)
                {
                    throw new RecordRejectedException(RecordValidatorRegistry.KeyText(key), $"the record store is full ({Options.MaxBytes} bytes)");
                }
            }
            Persist(record);
            _records[id] = record;
            _bytes += size - previousSize;
            return record;
        }
    }

    public bool Remove(ReadOnlySpan<byte> key)
    {
        string id = IdOf(key);
        lock (_gate)
        {
            if (!_records.TryGetValue(id, out StoredRecord? record))
            {
                return false;
            }
            RemoveLocked(id, record);
            return true;
        }
    }

    /// <summary>Our own records last published at least <paramref name="interval"/> ago.</summary>
    public IReadOnlyList<StoredRecord> DueForRepublish(TimeSpan interval)
    {
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            return [.. _records.Values.Where(r => r.IsLocal && now - r.LastPublished >= interval)];
        }
    }

    public void MarkPublished(ReadOnlySpan<byte> key)
    {
        string id = IdOf(key);
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_records.TryGetValue(id, out StoredRecord? record))
            {
                StoredRecord updated = record with { LastPublished = now };
                Persist(updated);
                _records[id] = updated;
            }
        }
    }

    /// <summary>Drops expired records; returns how many.</summary>
    public int PurgeExpired()
    {
        lock (_gate)
        {
            return PurgeExpiredLocked(_time.GetUtcNow());
        }
    }

    private bool IsExpired(StoredRecord record, DateTimeOffset now) => !record.IsLocal && now - record.ReceivedAt >= Options.RecordTtl;

    private int PurgeExpiredLocked(DateTimeOffset now)
    {
        var expired = _records.Where(pair => IsExpired(pair.Value, now)).ToList();
        foreach ((string id, StoredRecord record) in expired)
        {
            RemoveLocked(id, record);
        }
        return expired.Count;
    }

    private void RemoveLocked(string id, StoredRecord record)
    {
        _records.Remove(id);
        _bytes -= record.Key.Length + record.Value.Length;
        if (Options.Directory is { } directory)
        {
            DiskFiles.DeleteQuietly(DiskFiles.PathFor(directory, record.Key.Span, Extension));
        }
    }

    private void Persist(StoredRecord record)
    {
        if (Options.Directory is not { } directory)
        {
            return;
        }
        var buffer = new ArrayBufferWriter<byte>(record.Key.Length + record.Value.Length + 32);
        ProtoWriter.WriteBytes(buffer, 1, record.Key.Span);
        ProtoWriter.WriteBytes(buffer, 2, record.Value.Span);
        ProtoWriter.WriteVarint(buffer, 3, (ulong)record.ReceivedAt.ToUnixTimeMilliseconds());
        ProtoWriter.WriteBool(buffer, 4, record.IsLocal);
        ProtoWriter.WriteVarint(buffer, 5, (ulong)record.LastPublished.ToUnixTimeMilliseconds());
        DiskFiles.WriteAtomic(DiskFiles.PathFor(directory, record.Key.Span, Extension), buffer.WrittenSpan);
    }

    private void Load(string directory)
    {
        DateTimeOffset now = _time.GetUtcNow();
        long maxFile = Options.MaxBytes + 64;
        foreach (string path in System.IO.Directory.EnumerateFiles(directory, "*" + Extension))
        {
            StoredRecord? record = TryRead(path, maxFile);
            if (record is null || IsExpired(record, now) || _records.Count >= Options.MaxRecords
                || _bytes + record.Key.Length + record.Value.Length > Options.MaxBytes)
            {
                DiskFiles.DeleteQuietly(path); // corrupt, expired or over the limits configured now
                continue;
            }
            _records[IdOf(record.Key.Span)] = record;
            _bytes += record.Key.Length + record.Value.Length;
        }
    }

    private static StoredRecord? TryRead(string path, long maxFile)
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
            byte[] value = [];
            long received = 0;
            long published = 0;
            bool local = false;
            while (reader.TryReadTag(out int field, out WireType wire))
            {
                switch (field)
                {
                    case 1: key = reader.ReadLengthDelimited().ToArray(); break;
                    case 2: value = reader.ReadLengthDelimited().ToArray(); break;
                    case 3: received = (long)reader.ReadVarint(); break;
                    case 4: local = reader.ReadBool(); break;
                    case 5: published = (long)reader.ReadVarint(); break;
                    default: reader.Skip(wire); break;
                }
            }
            if (key.Length == 0)
            {
                return null;
            }
            return new StoredRecord(key, value, DateTimeOffset.FromUnixTimeMilliseconds(received), local, DateTimeOffset.FromUnixTimeMilliseconds(published));
        }
        catch (Exception error) when (error is ProtobufFormatException or IOException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static string IdOf(ReadOnlySpan<byte> key) => Convert.ToBase64String(key);
}
