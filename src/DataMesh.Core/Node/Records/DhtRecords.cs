using System.Text;
using DataMesh.Core.Configuration;
using DataMesh.Libp2p;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Kad;

namespace DataMesh.Core.Node.Records;

/// <summary>Signed records of the "dm" namespace (<c>/dm/&lt;publisher peer id&gt;/&lt;name&gt;</c>, signed with this
/// node's key, so only this node can publish under its id; the newest version wins), in text form for the cmdlets.</summary>
internal sealed class DhtRecords(KadDht dht, Libp2p.Identity.Identity nodeKey, PeerId self, TimeProvider time)
{
    private readonly KadDht _dht = dht;
    private readonly Libp2p.Identity.Identity _nodeKey = nodeKey;
    private readonly PeerId _self = self;
    private readonly TimeProvider _time = time;

    /// <summary>Longest record name, in UTF-8 bytes (the whole key stays well under the DHT's 1 KiB key limit).</summary>
    internal const int MaxRecordNameBytes = 256;

    /// <summary>Largest record value: the DHT's 64 KiB record limit less room for the signature envelope.</summary>
    internal const int MaxRecordValueBytes = 60 * 1024;

    /// <summary>Record sequence numbers before this time (Unix ms) are not read as publication times.</summary>
    private static readonly DateTimeOffset EarliestPublication = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Signs <paramref name="value"/> as the newest version of this node's record <paramref name="name"/> (a name,
    /// or this node's full key /dm/&lt;own peer id&gt;/&lt;name&gt;), keeps
    /// it (republished every kad_record_republish_interval_secs while the node runs) and stores it on the k closest peers.</summary>
    /// <exception cref="NodeRequestException">Bad name or namespace not allowed (InvalidRecordKey), value too large
    /// (InvalidRecordValue), network failure (Network).</exception>
    public async Task<DhtRecordView> PublishRecordAsync(string name, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        EnsureRecordsAllowed();
        (PeerId owner, name) = ResolveRecordKey(name.Trim(), publisher: null);
        if (!owner.Equals(_self))
        {
            throw new NodeRequestException(NodeErrorKind.InvalidRecordKey, $"Only {owner} can publish under its id; this node publishes under {_self}.");
        }
        if (value.Length > MaxRecordValueBytes)
        {
            throw new NodeRequestException(NodeErrorKind.InvalidRecordValue,
                $"A record value is at most {MaxRecordValueBytes} bytes; this one is {value.Length}.");
        }
        byte[] key = SignedRecord.KeyFor(_self, name);
        ulong sequence = NextSequence(key);
        (_, byte[] encoded) = SignedRecord.Create(_nodeKey, name, sequence, value.Span);
        int replicas = await TranslateDhtAsync(() => _dht.PutValueAsync(key, encoded, cancellationToken)).ConfigureAwait(false);
        DateTimeOffset now = _time.GetUtcNow();
        return new DhtRecordView(Encoding.UTF8.GetString(key), name, _self.ToString(), sequence, PublishedAt(sequence),
            now + _dht.Records.Options.RecordTtl, value.ToArray(), replicas);
    }

    /// <summary>The newest valid version of a record. <paramref name="key"/> is a full key
    /// (<c>/dm/&lt;peer id&gt;/&lt;name&gt;</c>) or a name, published by <paramref name="publisher"/> (default: this node).</summary>
    /// <exception cref="NodeRequestException">Bad key or publisher (InvalidRecordKey, InvalidPeerId), no valid value
    /// found (NotFoundOnDht), network failure (Network).</exception>
    public async Task<DhtRecordView> GetRecordAsync(string key, string? publisher, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        EnsureRecordsAllowed();
        (PeerId owner, string name) = ResolveRecordKey(key.Trim(), publisher);
        byte[] keyBytes = SignedRecord.KeyFor(owner, name);
        byte[] value = await TranslateDhtAsync(() => _dht.GetValueAsync(keyBytes, cancellationToken)).ConfigureAwait(false);
        SignedRecord record = SignedRecord.Decode(value); // validated by the DHT on the way in
        DateTimeOffset? published = PublishedAt(record.Sequence);
        return new DhtRecordView(Encoding.UTF8.GetString(keyBytes), name, owner.ToString(), record.Sequence, published,
            published + _dht.Records.Options.RecordTtl, record.Payload, Replicas: null);
    }

    private (PeerId Owner, string Name) ResolveRecordKey(string key, string? publisher)
    {
        string prefix = "/" + DhtRecordNamespaces.DataMesh + "/";
        if (!key.StartsWith('/'))
        {
            CheckRecordName(key);
            return (publisher is null ? _self : ParsePeerId(publisher, "publisher"), key);
        }
        string[] parts = key.Split('/', 4);
        if (!key.StartsWith(prefix, StringComparison.Ordinal) || parts.Length < 4)
        {
            throw new NodeRequestException(NodeErrorKind.InvalidRecordKey,
                $"'{key}' is not a record key: a key has the form {prefix}<publisher peer id>/<name> (or give just the name).");
        }
        PeerId owner = ParsePeerId(parts[2], "publisher in the key");
        if (publisher is not null && !ParsePeerId(publisher, "publisher").Equals(owner))
        {
            throw new NodeRequestException(NodeErrorKind.InvalidRecordKey, $"The key '{key}' names publisher {owner}, not {publisher}.");
        }
        CheckRecordName(parts[3]);
        return (owner, parts[3]);
    }

    private static void CheckRecordName(string name)
    {
        string? problem = name switch
        {
            null or "" => "it is empty",
            _ when Encoding.UTF8.GetByteCount(name) > MaxRecordNameBytes => $"it is longer than {MaxRecordNameBytes} UTF-8 bytes",
            _ when name.Any(char.IsControl) => "it contains control characters",
            _ when name.StartsWith('/') || name.EndsWith('/') || name.Contains("//", StringComparison.Ordinal) => "it has an empty path segment",
            _ => null,
        };
        if (problem is not null)
        {
            throw new NodeRequestException(NodeErrorKind.InvalidRecordKey, $"'{name}' is not a record name: {problem}.");
        }
    }

    private void EnsureRecordsAllowed()
    {
        if (!_dht.Options.Validators.Namespaces.Contains(DhtRecordNamespaces.DataMesh))
        {
            throw new NodeRequestException(NodeErrorKind.InvalidRecordKey,
                $"This node does not allow the \"{DhtRecordNamespaces.DataMesh}\" record namespace (security.allowed_record_namespaces).");
        }
    }

    /// <summary>The publication time in Unix milliseconds, kept strictly above the version this node holds, so a
    /// newer publish always wins even within one millisecond or after the clock stepped back.</summary>
    private ulong NextSequence(byte[] key)
    {
        ulong now = (ulong)_time.GetUtcNow().ToUnixTimeMilliseconds();
        if (_dht.Records.Get(key) is { } held)
        {
            try
            {
                return Math.Max(now, SignedRecord.Decode(held.Value.Span).Sequence + 1);
            }
            catch (KadProtocolException)
            {
                // our store validated it; an undecodable copy cannot outrank a fresh one
            }
        }
        return now;
    }

    private DateTimeOffset? PublishedAt(ulong sequence)
    {
        DateTimeOffset latest = _time.GetUtcNow().AddDays(1);
        if (sequence < (ulong)EarliestPublication.ToUnixTimeMilliseconds() || sequence > (ulong)latest.ToUnixTimeMilliseconds())
        {
            return null;
        }
        return DateTimeOffset.FromUnixTimeMilliseconds((long)sequence);
    }

    internal static PeerId ParsePeerId(string? text, string what)
    {
        if (!PeerId.TryParse(text?.Trim(), out PeerId? peer) || peer is null)
        {
            throw new NodeRequestException(NodeErrorKind.InvalidPeerId, $"'{text}' is not a {what} (a base58 id such as 12D3KooW…).");
        }
        return peer;
    }

    internal static async Task<T> TranslateDhtAsync<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (KadNotFoundException error)
        {
            throw new NodeRequestException(NodeErrorKind.NotFoundOnDht, error.Message, error);
        }
        catch (RecordRejectedException error)
        {
            throw new NodeRequestException(NodeErrorKind.InvalidRecordKey, error.Message, error);
        }
        catch (Exception error) when (error is Libp2pException or IOException)
        {
            throw new NodeRequestException(NodeErrorKind.Network, error.Message, error);
        }
    }
}
