using System.Collections.Concurrent;
using DataMesh.Core.Transfers;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Tests.Transfers;

/// <summary>How one fake peer misbehaves. Mutable so a test can change it between runs.</summary>
internal sealed class FakePeer
{
    public FakePeer(PeerId id) => Id = id;

    public PeerId Id { get; }
    public ConcurrentDictionary<ContentHash, byte[]> Store { get; } = new();
    public TimeSpan Latency { get; set; }
    public bool NeverAnswers { get; set; }
    public bool Offline { get; set; }
    public bool ReturnsCorruptData { get; set; }
    public ShardRejectionReason? RejectsStores { get; set; }
    public HashSet<ContentHash> RejectsShards { get; } = [];
    /// <summary>Awaited before every request is answered (after <see cref="Latency"/>): lets a test order peers' answers.</summary>
    public Func<CancellationToken, Task>? BeforeAnswer { get; set; }
    public int FailFirstRequests;
    public int Fetches;
    public int Stores;
    public int FetchesInFlight;
    public int MaxFetchesInFlight;
}

/// <summary>
/// An in-memory <see cref="IShardNetwork"/>: peers with their own stores and behaviours, provider lookups answered
/// from what each peer holds, and counters of concurrent calls so tests can check the manager's bounds.
/// </summary>
internal sealed class FakeShardNetwork : IShardNetwork
{
    private readonly Dictionary<PeerId, FakePeer> _peers = [];
    private readonly List<FakePeer> _order = [];
    // Calls in flight per shard, and how many shards have any: updated together under one lock, because counting
    // a concurrent dictionary while other threads change it can see a shard that already left beside one that
    // entered after it, an over-count that would fail a bound the manager kept.
    private readonly Dictionary<ContentHash, int> _shardsInFlight = [];
    private readonly Lock _shardsLock = new();
    private int _distinctShards;
    private int _holderLookups;
    private int _fetchesInFlight, _storesInFlight, _maxFetches, _maxStores, _maxDistinctShards;

    public FakeShardNetwork(int peers)
    {
        for (int i = 1; i <= peers; i++)
        {
            var peer = new FakePeer(Support.TestPeers.Create(i));
            _peers.Add(peer.Id, peer);
            _order.Add(peer);
        }
    }

    public IReadOnlyList<FakePeer> Peers => _order;
    public FakePeer this[int index] => _order[index];
    public int MaxConcurrentFetches => Volatile.Read(ref _maxFetches);
    public int MaxConcurrentStores => Volatile.Read(ref _maxStores);
    public int MaxDistinctShardsInFlight => Volatile.Read(ref _maxDistinctShards);
    public int InFlight => Volatile.Read(ref _fetchesInFlight) + Volatile.Read(ref _storesInFlight);
    public int TotalFetches => _order.Sum(p => p.Fetches);
    public int HolderLookups => Volatile.Read(ref _holderLookups);
    public int TotalStores => _order.Sum(p => p.Stores);

    /// <summary>The peers holding <paramref name="shard"/>.</summary>
    public IReadOnlyList<FakePeer> HoldersOf(ContentHash shard) => [.. _order.Where(p => p.Store.ContainsKey(shard))];

    /// <summary>Extra peers to return as holders although they do not hold the shard (stale provider records).</summary>
    public ConcurrentBag<PeerId> StaleProviders { get; } = [];

    /// <summary>When set, holder lookups know no provider records: they name the first this-many placement peers of
    /// the shard (what a directory without providers can offer), whether or not those hold it.</summary>
    public int? HolderLookupWindow { get; set; }

    public ValueTask<IReadOnlyList<PeerId>> FindHoldersAsync(ContentHash shard, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _holderLookups);
        if (HolderLookupWindow is { } window)
        {
            return FindPlacementPeersAsync(shard, window, cancellationToken);
        }
        IReadOnlyList<PeerId> holders = [.. _order.Where(p => p.Store.ContainsKey(shard)).Select(p => p.Id), .. StaleProviders];
        return ValueTask.FromResult(holders);
    }

    public ValueTask<IReadOnlyList<PeerId>> FindPlacementPeersAsync(ContentHash shard, int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Deterministic per shard, different across shards: a stand-in for XOR closeness.
        int start = (int)((uint)shard.GetHashCode() % (uint)_order.Count);
        IReadOnlyList<PeerId> peers = [.. Enumerable.Range(0, _order.Count).Select(i => _order[(start + i) % _order.Count].Id).Take(Math.Max(count, 1))];
        return ValueTask.FromResult(peers);
    }

    public async Task StoreShardAsync(PeerId peer, ContentHash shard, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var fake = _peers[peer];
        Interlocked.Increment(ref fake.Stores);
        Enter(ref _storesInFlight, ref _maxStores, shard);
        try
        {
            await BehaveAsync(fake, cancellationToken);
            if (fake.RejectsStores is { } reason)
            {
                throw new ShardRejectedException(peer, shard, reason);
            }
            if (fake.RejectsShards.Contains(shard))
            {
                throw new ShardRejectedException(peer, shard, ShardRejectionReason.OverQuota);
            }
            if (ContentHash.Compute(data.Span) != shard)
            {
                throw new ShardRejectedException(peer, shard, ShardRejectionReason.HashMismatch);
            }
            fake.Store[shard] = data.ToArray();
        }
        finally
        {
            Leave(ref _storesInFlight, shard);
        }
    }

    public async Task<int> FetchShardAsync(PeerId peer, ContentHash shard, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var fake = _peers[peer];
        Interlocked.Increment(ref fake.Fetches);
        Enter(ref _fetchesInFlight, ref _maxFetches, shard);
        int mine = Interlocked.Increment(ref fake.FetchesInFlight);
        UpdateMax(ref fake.MaxFetchesInFlight, mine);
        try
        {
            await BehaveAsync(fake, cancellationToken);
            if (!fake.Store.TryGetValue(shard, out var data))
            {
                throw new ShardNotFoundException(peer, shard);
            }
            data.CopyTo(destination);
            if (fake.ReturnsCorruptData)
            {
                destination.Span[0] ^= 0xFF;
            }
            return data.Length;
        }
        finally
        {
            Interlocked.Decrement(ref fake.FetchesInFlight);
            Leave(ref _fetchesInFlight, shard);
        }
    }

    public async Task<byte[]> FetchBlobAsync(PeerId peer, ContentHash address, int maxLength, CancellationToken cancellationToken)
    {
        var fake = _peers[peer];
        Interlocked.Increment(ref fake.Fetches);
        int mine = Interlocked.Increment(ref fake.FetchesInFlight);
        UpdateMax(ref fake.MaxFetchesInFlight, mine);
        try
        {
            await BehaveAsync(fake, cancellationToken);
            if (!fake.Store.TryGetValue(address, out var data))
            {
                throw new ShardNotFoundException(peer, address);
            }
            if (data.Length > maxLength)
            {
                throw new IOException($"{fake.Id} announced {data.Length} bytes, over the {maxLength}-byte limit");
            }
            byte[] blob = data.ToArray();
            if (fake.ReturnsCorruptData)
            {
                blob[0] ^= 0xFF;
            }
            return blob;
        }
        finally
        {
            Interlocked.Decrement(ref fake.FetchesInFlight);
        }
    }

    public async Task<bool[]> HaveAsync(PeerId peer, IReadOnlyList<ContentHash> shards, CancellationToken cancellationToken)
    {
        var fake = _peers[peer];
        await BehaveAsync(fake, cancellationToken);
        return [.. shards.Select(fake.Store.ContainsKey)];
    }

    public async Task<int> DeleteFileAsync(PeerId peer, ManifestAddress address, ReadOnlyMemory<byte> encodedManifest, ReadOnlyMemory<byte> signature,
        CancellationToken cancellationToken)
    {
        var fake = _peers[peer];
        await BehaveAsync(fake, cancellationToken);
        return fake.Store.TryRemove(address.Hash, out _) ? 1 : 0;
    }

    private static async Task BehaveAsync(FakePeer fake, CancellationToken cancellationToken)
    {
        if (fake.Latency > TimeSpan.Zero)
        {
            await Task.Delay(fake.Latency, cancellationToken);
        }
        if (fake.BeforeAnswer is { } gate)
        {
            await gate(cancellationToken);
        }
        if (fake.NeverAnswers)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        if (fake.Offline)
        {
            throw new IOException($"connection to {fake.Id} refused");
        }
        if (Interlocked.Decrement(ref fake.FailFirstRequests) >= 0)
        {
            throw new IOException($"transient failure at {fake.Id}");
        }
    }

    private void Enter(ref int counter, ref int max, ContentHash shard)
    {
        int now = Interlocked.Increment(ref counter);
        UpdateMax(ref max, now);
        lock (_shardsLock)
        {
            _shardsInFlight[shard] = _shardsInFlight.GetValueOrDefault(shard) + 1;
            if (_shardsInFlight[shard] == 1)
            {
                _distinctShards++;
                _maxDistinctShards = Math.Max(_maxDistinctShards, _distinctShards);
            }
        }
    }

    private void Leave(ref int counter, ContentHash shard)
    {
        lock (_shardsLock)
        {
            if (--_shardsInFlight[shard] == 0)
            {
                _shardsInFlight.Remove(shard);
                _distinctShards--;
            }
        }
        Interlocked.Decrement(ref counter);
    }

    private static void UpdateMax(ref int max, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref max)) && Interlocked.CompareExchange(ref max, value, seen) != seen)
        {
        }
    }
}
