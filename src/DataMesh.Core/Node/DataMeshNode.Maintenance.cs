using System.Buffers;
using DataMesh.Core.Configuration;
using DataMesh.Core.Exchange;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Node;

// File maintenance: Test (who holds which shard), Repair (rebuild and re-place what is missing) and Remove
// (owner-signed delete). All three start from the manifest's raw bytes and a survey of holders made with the
// chunk protocol's Have request, one batched request per candidate peer.
public sealed partial class DataMeshNode
{
    private const int SurveyParallelism = 8;

    /// <summary>How long one peer may take to answer one maintenance request (the transfers' per-peer timeout).</summary>
    private TimeSpan MaintenancePeerTimeout => Options.ToChunkTransferOptions().PeerResponseTimeout;

    /// <summary>Checks which peers hold each shard of a file, stripe by stripe.</summary>
    /// <exception cref="FileNotFoundOnMeshException">No reachable peer has the manifest.</exception>
    public async Task<FileAvailability> TestFileAsync(ManifestAddress fileKey, FileCheckOptions? options = null, CancellationToken cancellationToken = default)
    {
        options = Validate(options);
        FetchedManifest fetched = await FetchEncodedManifestAsync(fileKey, cancellationToken).ConfigureAwait(false);
        HolderSurvey survey = await SurveyAsync(fileKey, fetched.Manifest, cancellationToken).ConfigureAwait(false);
        return Describe(fileKey, fetched.Manifest, survey, options);
    }

    private static FileCheckOptions Validate(FileCheckOptions? options)
    {
        options ??= new FileCheckOptions();
        if (options.SafetyMargin is < 0 or > FileCheckOptions.MaxSafetyMargin)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.SafetyMargin, $"The safety margin must be 0..{FileCheckOptions.MaxSafetyMargin}.");
        }
        return options;
    }

    /// <summary>A manifest as fetched: its bytes (needed to re-place or delete it) and its verified contents.</summary>
    private sealed record FetchedManifest(byte[] Encoded, Manifest Manifest);

    /// <summary>Which peers answered that they hold each shard; peers that did not answer at all.</summary>
    private sealed record HolderSurvey(IReadOnlyDictionary<ContentHash, IReadOnlyList<PeerId>> Holders, int PeersAsked, IReadOnlyList<PeerId> Unreachable)
    {
        public IReadOnlyList<PeerId> Of(ContentHash shard) => Holders.TryGetValue(shard, out var peers) ? peers : [];
    }

    private async Task<FetchedManifest> FetchEncodedManifestAsync(ManifestAddress fileKey, CancellationToken cancellationToken)
    {
        TimeSpan timeout = MaintenancePeerTimeout;
        IReadOnlyList<PeerId> holders = await CandidateHoldersAsync(fileKey.Hash, fileKey, cancellationToken).ConfigureAwait(false);
        var errors = new List<string>();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkExchangeProtocol.MaxShardBytes);
        try
        {
            foreach (PeerId peer in holders)
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(timeout);
                try
                {
                    int length = await _exchange.FetchAsync(peer, fileKey.Hash, buffer.AsMemory(0, ChunkExchangeProtocol.MaxShardBytes), attempt.Token).ConfigureAwait(false);
                    byte[] encoded = buffer.AsSpan(0, length).ToArray();
                    return new FetchedManifest(encoded, ManifestCodec.Read(encoded, fileKey));
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    errors.Add($"{peer}: no answer within {timeout.TotalSeconds:0.#} s");
                }
                catch (Exception error) when (error is DataMeshException or Libp2p.Libp2pException or Storage.StorageException or IOException)
                {
                    errors.Add($"{peer}: {error.Message}");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        throw new FileNotFoundOnMeshException(fileKey, holders.Count == 0 ? "no storage peer is connected" : string.Join("; ", errors));
    }

    /// <summary>Asks every candidate holder (announced providers and the XOR-closest storage peers) of the manifest and
    /// of each stored shard which of them it holds: one Have request per peer per 1024 shards, a few peers at a time.</summary>
    private async Task<HolderSurvey> SurveyAsync(ManifestAddress fileKey, Manifest manifest, CancellationToken cancellationToken)
    {
        var byPeer = new Dictionary<PeerId, List<ContentHash>>();
        foreach (ContentHash shard in ManifestShards.Stored(manifest).Prepend(fileKey.Hash).Distinct())
        {
            foreach (PeerId peer in await CandidateHoldersAsync(shard, fileKey, cancellationToken).ConfigureAwait(false))
            {
                if (!byPeer.TryGetValue(peer, out List<ContentHash>? list))
                {
                    byPeer[peer] = list = [];
                }
                list.Add(shard);
            }
        }
        TimeSpan timeout = MaintenancePeerTimeout;
        var holders = new Dictionary<ContentHash, List<PeerId>>();
        var unreachable = new List<PeerId>();
        var sync = new Lock();
        await Parallel.ForEachAsync(byPeer, new ParallelOptions { MaxDegreeOfParallelism = SurveyParallelism, CancellationToken = cancellationToken },
            async (pair, token) =>
            {
                var held = new List<ContentHash>();
                try
                {
                    foreach (ContentHash[] batch in pair.Value.Chunk(ChunkExchangeProtocol.MaxHaveQuery))
                    {
                        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token);
                        attempt.CancelAfter(timeout);
                        bool[] answer = await _exchange.HaveAsync(pair.Key, batch, attempt.Token).ConfigureAwait(false);
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
        return new HolderSurvey(holders.ToDictionary(p => p.Key, p => (IReadOnlyList<PeerId>)p.Value), byPeer.Count, unreachable);
    }

    /// <summary>Peers that may hold <paramref name="shard"/>: announced providers and the XOR-closest storage peers. The
    /// manifest is placed on more peers than a shard (<see cref="ManifestCopiesWanted"/>), so more are asked about it.</summary>
    private async ValueTask<IReadOnlyList<PeerId>> CandidateHoldersAsync(ContentHash shard, ManifestAddress fileKey, CancellationToken cancellationToken)
    {
        IReadOnlyList<PeerId> holders = await _network.FindHoldersAsync(shard, cancellationToken).ConfigureAwait(false);
        if (shard != fileKey.Hash)
        {
            return holders;
        }
        IReadOnlyList<PeerId> closest = await Directory.FindClosestStoragePeersAsync(shard, ManifestCopiesWanted * 2, cancellationToken).ConfigureAwait(false);
        return [.. holders.Concat(closest).Distinct()];
    }

    private static bool IsPeerFailure(Exception error, CancellationToken token) =>
        error is DataMeshException or Libp2p.Libp2pException or IOException
        || (error is OperationCanceledException && !token.IsCancellationRequested);

    private int ManifestCopiesWanted => Math.Max(Options.Network.ReplicationFactor, Options.Storage.ParityShards + 1);

    private FileAvailability Describe(ManifestAddress fileKey, Manifest manifest, HolderSurvey survey, FileCheckOptions options)
    {
        int k = manifest.DataShards, m = manifest.ParityShards, replication = Options.Network.ReplicationFactor;
        var stripes = new StripeAvailability[manifest.Stripes.Count];
        for (int s = 0; s < stripes.Length; s++)
        {
            var addresses = manifest.Stripes[s].Shards;
            var shards = new ShardAvailability[addresses.Length];
            int available = 0, underReplicated = 0, minHolders = int.MaxValue;
            for (int j = 0; j < addresses.Length; j++)
            {
                bool stored = ManifestShards.IsStored(manifest, s, j);
                IReadOnlyList<PeerId> holders = stored ? survey.Of(addresses[j]) : [];
                shards[j] = new ShardAvailability(j, addresses[j].ToString(), stored, [.. holders.Select(p => p.ToString())]);
                available += shards[j].Available ? 1 : 0;
                if (stored)
                {
                    underReplicated += holders.Count < replication ? 1 : 0;
                    minHolders = Math.Min(minHolders, holders.Count);
                }
            }
            FileHealthStatus status = available < k ? FileHealthStatus.Lost
                : available < k + Math.Min(options.SafetyMargin, m) ? FileHealthStatus.AtRisk
                : available < k + m || underReplicated > 0 ? FileHealthStatus.Degraded
                : FileHealthStatus.Healthy;
            stripes[s] = new StripeAvailability(s, k, m, available, underReplicated, minHolders == int.MaxValue ? 0 : minHolders, status, shards);
        }
        IReadOnlyList<PeerId> manifestHolders = survey.Of(fileKey.Hash);
        FileHealthStatus worst = stripes.Length == 0 ? FileHealthStatus.Healthy : stripes.Max(s => s.Status);
        if (worst == FileHealthStatus.Healthy && manifestHolders.Count < ManifestCopiesWanted)
        {
            worst = FileHealthStatus.Degraded;
        }
        if (manifestHolders.Count == 0)
        {
            // It was fetched a moment ago, but no peer now admits to holding it: the file is one failure from unreadable.
            worst = (FileHealthStatus)Math.Max((int)worst, (int)FileHealthStatus.AtRisk);
        }
        return new FileAvailability(fileKey.ToString(), NameOf(fileKey, manifest), manifest.PlaintextSize, k, m, replication, options.SafetyMargin,
            [.. manifestHolders.Select(p => p.ToString())], ManifestCopiesWanted, stripes, survey.PeersAsked,
            [.. survey.Unreachable.Select(p => p.ToString())], worst);
    }

    private string? NameOf(ManifestAddress fileKey, Manifest manifest)
    {
        if (Catalog.Find(fileKey.ToString()) is { } entry)
        {
            return entry.Name;
        }
        try
        {
            return manifest.DecryptMetadata(User).Name;
        }
        catch (Storage.StorageException)
        {
            return null; // not shared with this user: the name is sealed
        }
    }
}
