using System.Collections.Concurrent;
using DataMesh.Core.Transfers;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Manifests;

namespace DataMesh.Benchmarks.Transfers;

/// <summary>
/// An in-memory network with a one-way latency per message and a per-peer bandwidth cap: each peer has one link
/// that carries one transfer's bytes at a time at <c>bytesPerSecond</c>, so parallel requests to one peer queue,
/// while requests to different peers overlap. Shard contents are regenerated from a seed instead of being kept,
/// so a large simulated file costs little memory.
/// </summary>
internal sealed class SimulatedShardNetwork : IShardNetwork
{
    private readonly PeerId[] _peers;
    private readonly Dictionary<PeerId, PeerLink> _links = [];
    private readonly ConcurrentDictionary<ContentHash, (int Seed, int Length)> _contents = new();
    private readonly ConcurrentDictionary<ContentHash, ConcurrentDictionary<PeerId, bool>> _holders = new();
    private readonly TimeSpan _oneWayLatency;
    private readonly double _bytesPerSecond;

    public SimulatedShardNetwork(int peers, TimeSpan oneWayLatency, double bytesPerSecond)
    {
        _oneWayLatency = oneWayLatency;
        _bytesPerSecond = bytesPerSecond;
        _peers = new PeerId[peers];
        for (int i = 0; i < peers; i++)
        {
            var multihash = new byte[38];
            multihash[1] = 36;
            multihash[2] = 0x08;
            multihash[3] = 0x01;
            multihash[4] = 0x12;
            multihash[5] = 0x20;
            BitConverter.TryWriteBytes(multihash.AsSpan(6), i + 1);
            _peers[i] = PeerId.FromBytes(multihash);
            _links[_peers[i]] = new PeerLink();
        }
    }

    /// <summary>Multiplies one peer's transfer time (a slow or overloaded peer).</summary>
    public void SlowDown(int peerIndex, double factor) => _links[_peers[peerIndex]].SlowFactor = factor;

    /// <summary>Fills <paramref name="destination"/> with the deterministic content of <paramref name="seed"/>.</summary>
    /// <remarks>xorshift64 over whole words: cheap enough that the simulation measures the transfer engine, not the filler.</remarks>
    public static void Generate(int seed, Span<byte> destination)
    {
        ulong state = 0x9E3779B97F4A7C15UL ^ (uint)seed;
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(destination);
        for (int i = 0; i < words.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            words[i] = state;
        }
        for (int i = words.Length * sizeof(ulong); i < destination.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            destination[i] = (byte)state;
        }
    }

    /// <summary>Makes the network able to serve a shard it never stored (its content is a function of the seed).</summary>
    public void Register(ContentHash shard, int seed, int length) => _contents[shard] = (seed, length);

    public ValueTask<IReadOnlyList<PeerId>> FindHoldersAsync(ContentHash shard, CancellationToken cancellationToken)
    {
        IReadOnlyList<PeerId> holders = _holders.TryGetValue(shard, out var set) ? [.. set.Keys] : [];
        return ValueTask.FromResult(holders);
    }

    public ValueTask<IReadOnlyList<PeerId>> FindPlacementPeersAsync(ContentHash shard, int count, CancellationToken cancellationToken)
    {
        int start = (int)((uint)shard.GetHashCode() % (uint)_peers.Length);
        IReadOnlyList<PeerId> peers = [.. Enumerable.Range(0, Math.Min(count, _peers.Length)).Select(i => _peers[(start + i) % _peers.Length])];
        return ValueTask.FromResult(peers);
    }

    public async Task StoreShardAsync(PeerId peer, ContentHash shard, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await TransferAsync(peer, data.Length, cancellationToken);
        _holders.GetOrAdd(shard, static _ => new()).TryAdd(peer, true);
        await Task.Delay(_oneWayLatency, cancellationToken); // the acknowledgement travels back
    }

    public async Task<int> FetchShardAsync(PeerId peer, ContentHash shard, Memory<byte> destination, CancellationToken cancellationToken)
    {
        await Task.Delay(_oneWayLatency, cancellationToken); // the request travels there
        if (!_holders.TryGetValue(shard, out var set) || !set.ContainsKey(peer) || !_contents.TryGetValue(shard, out var content))
        {
            throw new ShardNotFoundException(peer, shard);
        }
        await TransferAsync(peer, content.Length, cancellationToken);
        Generate(content.Seed, destination.Span[..content.Length]);
        return content.Length;
    }

    public async Task<byte[]> FetchBlobAsync(PeerId peer, ContentHash address, int maxLength, CancellationToken cancellationToken)
    {
        await Task.Delay(_oneWayLatency, cancellationToken);
        if (!_holders.TryGetValue(address, out var set) || !set.ContainsKey(peer) || !_contents.TryGetValue(address, out var content)
            || content.Length > maxLength)
        {
            throw new ShardNotFoundException(peer, address);
        }
        await TransferAsync(peer, content.Length, cancellationToken);
        byte[] blob = new byte[content.Length];
        Generate(content.Seed, blob);
        return blob;
    }

    public async Task<bool[]> HaveAsync(PeerId peer, IReadOnlyList<ContentHash> shards, CancellationToken cancellationToken)
    {
        await Task.Delay(_oneWayLatency * 2, cancellationToken); // the question and the answer
        return [.. shards.Select(shard => _holders.TryGetValue(shard, out var set) && set.ContainsKey(peer))];
    }

    public async Task<int> DeleteFileAsync(PeerId peer, ManifestAddress address, ReadOnlyMemory<byte> encodedManifest, ReadOnlyMemory<byte> signature,
        CancellationToken cancellationToken)
    {
        await TransferAsync(peer, encodedManifest.Length + signature.Length, cancellationToken);
        bool held = _holders.TryGetValue(address.Hash, out var set) && set.TryRemove(peer, out _);
        await Task.Delay(_oneWayLatency, cancellationToken); // the answer travels back
        return held ? 1 : 0;
    }

    // The first byte arrives after the one-way latency; the rest at the link's rate, behind earlier transfers.
    private async Task TransferAsync(PeerId peer, int bytes, CancellationToken cancellationToken)
    {
        var link = _links[peer];
        var duration = TimeSpan.FromSeconds(bytes / _bytesPerSecond * link.SlowFactor);
        long now = TimeProvider.System.GetTimestamp();
        long done;
        lock (link)
        {
            long start = Math.Max(now, link.FreeAt);
            done = start + (long)(duration.TotalSeconds * TimeProvider.System.TimestampFrequency);
            link.FreeAt = done;
        }
        var wait = TimeSpan.FromSeconds((double)(done - now) / TimeProvider.System.TimestampFrequency) + _oneWayLatency;
        await Task.Delay(wait, cancellationToken);
    }

    private sealed class PeerLink
    {
        public long FreeAt;
        public double SlowFactor = 1.0;
    }
}
