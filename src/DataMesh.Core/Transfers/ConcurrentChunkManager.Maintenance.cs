using DataMesh.Storage.Addressing;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Transfers;

// What file maintenance asks of peers, beside the stripe transfers: a blob of unknown length (the manifest), who
// holds what, extra copies of a shard, and deletes. Each single-peer request goes through the one per-peer timeout
// pipeline (PeerRequests), so it lands in the peer statistics like a shard transfer.
internal sealed partial class ConcurrentChunkManager
{
    /// <summary>Peers asked at once by a survey or a delete.</summary>
    private const int MaintenanceParallelism = 8;

    /// <summary>Fetches a blob whose length is not known in advance (a manifest), at most <paramref name="maxLength"/>
    /// bytes, exactly as a shard is fetched: ranked holders, hedging, per-peer timeouts, retries, BLAKE3 verification
    /// against <paramref name="address"/> and peer statistics.</summary>
    /// <exception cref="BlobUnavailableException">No holder provided it.</exception>
    internal Task<byte[]> FetchBlobAsync(ContentHash address, int maxLength, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        var monitor = new TransferMonitor(_time, progress: null, totalBytes: null, totalShards: null);
        return _fetcher.FetchBlobAsync(address, maxLength, monitor, cancellationToken);
    }

    /// <summary>Asks each peer which of its listed shards it holds (one request per <see cref="IShardNetwork.MaxHaveQuery"/>
    /// shards, a few peers at a time). A peer that fails or does not answer is listed as unreachable.</summary>
    internal async Task<HolderSurvey> SurveyAsync(IReadOnlyDictionary<PeerId, List<ContentHash>> shardsByPeer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shardsByPeer);
        var holders = new Dictionary<ContentHash, List<PeerId>>();
        var unreachable = new List<PeerId>();
        var sync = new Lock();
        await Parallel.ForEachAsync(shardsByPeer, new ParallelOptions { MaxDegreeOfParallelism = MaintenanceParallelism, CancellationToken = cancellationToken },
            async (pair, token) =>
            {
                var held = new List<ContentHash>();
                try
                {
                    foreach (ContentHash[] batch in pair.Value.Chunk(IShardNetwork.MaxHaveQuery))
                    {
                        bool[] answer = await _requests.SendAsync(pair.Key, ct => _network.HaveAsync(pair.Key, batch, ct),
                            bytesSent: (long)batch.Length * ContentHash.Size, static answer => answer.Length, token).ConfigureAwait(false);
                        held.AddRange(batch.Where((_, i) => answer[i]));
                    }
                }
                catch (Exception error) when (IsPeerFailure(error, token))
                {
                    Log.SurveyPeerFailed(_logger, pair.Key, error.Message);
                    lock (sync)
                    {
                        unreachable.Add(pair.Key);
                    }
                    return;
                }
                lock (sync)
                {
                    foreach (ContentHash shard in held)
                    {
                        if (!holders.TryGetValue(shard, out List<PeerId>? peers))
                        {
                            holders[shard] = peers = [];
                        }
                        peers.Add(pair.Key);
                    }
                }
            }).ConfigureAwait(false);
        return new HolderSurvey(holders.ToDictionary(p => p.Key, p => (IReadOnlyList<PeerId>)p.Value), shardsByPeer.Count, unreachable);
    }

    /// <summary>Stores <paramref name="data"/> on the closest storage peers that do not hold it yet until it has
    /// <paramref name="target"/> holders, peers outside <paramref name="avoid"/> first (each peer that takes a copy
    /// joins it); a peer that refuses or fails is skipped for the next.</summary>
    internal async Task<CopiesStored> StoreCopiesAsync(ContentHash shard, ReadOnlyMemory<byte> data, IReadOnlyList<PeerId> holders, int target,
        HashSet<PeerId>? avoid, CancellationToken cancellationToken)
    {
        int missing = target - holders.Count;
        if (missing <= 0)
        {
            return new CopiesStored(0, []);
        }
        int wanted = target + holders.Count + missing + (avoid?.Count ?? 0);
        IReadOnlyList<PeerId> closest = await _network.FindPlacementPeersAsync(shard, wanted, cancellationToken).ConfigureAwait(false);
        var candidates = new List<PeerId>(closest.Where(p => !holders.Contains(p)));
        var failures = new List<string>();
        int stored = 0;
        while (stored < missing && candidates.Count > 0)
        {
            // The closest peer not yet holding a shard of the stripe; the closest of the rest when every one does.
            int pick = Math.Max(0, candidates.FindIndex(p => avoid is null || !avoid.Contains(p)));
            PeerId peer = candidates[pick];
            candidates.RemoveAt(pick);
            try
            {
                await _requests.SendAsync(peer, ct => _network.StoreShardAsync(peer, shard, data, ct), bytesSent: data.Length, cancellationToken)
                    .ConfigureAwait(false);
                stored++;
                avoid?.Add(peer);
            }
            catch (Exception error) when (IsPeerFailure(error, cancellationToken))
            {
                failures.Add($"{peer} did not take shard {shard}: {error.Message}");
            }
        }
        return new CopiesStored(stored, failures);
    }

    /// <summary>Stores <paramref name="data"/> on the first of <paramref name="candidates"/> (in order) that takes it; a
    /// peer that refuses or fails is skipped for the next. Returns the peer that took it (null when none did) and why
    /// the others did not.</summary>
    internal async Task<CopyPlaced> StoreOnFirstAsync(ContentHash shard, ReadOnlyMemory<byte> data, IReadOnlyList<PeerId> candidates,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var failures = new List<string>();
        foreach (PeerId peer in candidates)
        {
            try
            {
                await _requests.SendAsync(peer, ct => _network.StoreShardAsync(peer, shard, data, ct), bytesSent: data.Length, cancellationToken)
                    .ConfigureAwait(false);
                return new CopyPlaced(peer, failures);
            }
            catch (Exception error) when (IsPeerFailure(error, cancellationToken))
            {
                failures.Add($"{peer} did not take shard {shard}: {error.Message}");
            }
        }
        return new CopyPlaced(null, failures);
    }

    /// <summary>Sends the owner-signed delete of a file to every one of <paramref name="peers"/>, a few at a time.</summary>
    internal async Task<DeletesSent> DeleteFileAsync(IReadOnlyCollection<PeerId> peers, ManifestAddress address, ReadOnlyMemory<byte> encodedManifest,
        ReadOnlyMemory<byte> signature, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peers);
        var problems = new List<string>();
        int confirmed = 0, deleted = 0;
        var sync = new Lock();
        await Parallel.ForEachAsync(peers, new ParallelOptions { MaxDegreeOfParallelism = MaintenanceParallelism, CancellationToken = cancellationToken },
            async (peer, token) =>
            {
                try
                {
                    int count = await _requests.SendAsync(peer, ct => _network.DeleteFileAsync(peer, address, encodedManifest, signature, ct),
                        bytesSent: encodedManifest.Length + signature.Length, static _ => sizeof(int), token).ConfigureAwait(false);
                    lock (sync)
                    {
                        confirmed++;
                        deleted += count;
                    }
                }
                catch (Exception error) when (IsPeerFailure(error, token))
                {
                    string problem = error is PeerRefusedException ? error.Message : $"{peer} did not answer the delete: {error.Message}";
                    lock (sync)
                    {
                        problems.Add(problem);
                    }
                }
            }).ConfigureAwait(false);
        return new DeletesSent(confirmed, deleted, problems);
    }

    private static bool IsPeerFailure(Exception error, CancellationToken token) =>
        error is DataMeshException or Libp2p.Libp2pException or IOException
        || (error is OperationCanceledException && !token.IsCancellationRequested);
}

/// <summary>Which peers answered that they hold each shard; how many peers were asked; those that did not answer.</summary>
internal sealed record HolderSurvey(IReadOnlyDictionary<ContentHash, IReadOnlyList<PeerId>> Holders, int PeersAsked, IReadOnlyList<PeerId> Unreachable)
{
    public IReadOnlyList<PeerId> Of(ContentHash shard) => Holders.TryGetValue(shard, out var peers) ? peers : [];
}

/// <summary>Copies of one shard stored by <see cref="ConcurrentChunkManager.StoreCopiesAsync"/>, and why other peers took none.</summary>
internal sealed record CopiesStored(int Stored, IReadOnlyList<string> Failures);

/// <summary>The peer that took a copy of a shard from <see cref="ConcurrentChunkManager.StoreOnFirstAsync"/> (null when
/// none did), and why the candidates before it took none.</summary>
internal sealed record CopyPlaced(PeerId? Peer, IReadOnlyList<string> Failures);

/// <summary>What the peers asked to delete a file answered: how many confirmed, shards deleted, and the refusals and failures.</summary>
internal sealed record DeletesSent(int Confirmed, int Deleted, IReadOnlyList<string> Problems);
