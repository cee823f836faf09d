using DataMesh.Core.Exchange;
using DataMesh.Core.Transfers;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Erasure;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Node;

public sealed partial class DataMeshNode
{
    /// <summary>Restores a file's redundancy: every stored shard held by fewer than replication_factor peers is
    /// fetched from a survivor or, when none holds it, rebuilt from any k shards of its stripe with Reed-Solomon,
    /// checked against the manifest's address, and stored on further storage peers (closest first) until it has
    /// replication_factor holders. The manifest gets the same treatment. Works for any file whose stripes still have
    /// k reachable shards; the file's key is not needed (shards are ciphertext), so any node may repair.</summary>
    /// <exception cref="FileNotFoundOnMeshException">No reachable peer has the manifest.</exception>
    public async Task<FileRepairResult> RepairFileAsync(ManifestAddress fileKey, FileCheckOptions? options = null, CancellationToken cancellationToken = default)
    {
        options = Validate(options);
        FetchedManifest fetched = await FetchEncodedManifestAsync(fileKey, cancellationToken).ConfigureAwait(false);
        Manifest manifest = fetched.Manifest;
        HolderSurvey survey = await SurveyAsync(fileKey, manifest, cancellationToken).ConfigureAwait(false);
        FileAvailability before = Describe(fileKey, manifest, survey, options);
        var work = new RepairWork(fileKey.ToString(), Options.Network.ReplicationFactor);

        work.ManifestCopies = await StoreCopiesAsync(fileKey.Hash, fetched.Encoded, survey.Of(fileKey.Hash), ManifestCopiesWanted, work, avoid: null, cancellationToken).ConfigureAwait(false);

        var damaged = new List<StripeDescriptor>();
        foreach (StripeAvailability stripe in before.Stripes.Where(s => s.UnderReplicatedShards > 0))
        {
            if (stripe.Status == FileHealthStatus.Lost)
            {
                work.Problem($"stripe {stripe.Index} has {stripe.AvailableShards} of the {stripe.DataShards} shards needed to rebuild it; it is lost");
                continue;
            }
            ManifestStripe shape = manifest.Stripes[stripe.Index];
            long chunksBefore = (long)stripe.Index * manifest.DataShards;
            int storedData = (int)Math.Clamp(manifest.ChunkCount - chunksBefore, 0, manifest.DataShards);
            damaged.Add(new StripeDescriptor(stripe.Index, manifest.DataShards, shape.Shards, shape.ShardLength,
                HolderHints: [.. shape.Shards.Select((shard, slot) => ManifestShards.IsStored(manifest, stripe.Index, slot) ? survey.Of(shard) : [])],
                StoredDataShardCount: storedData));
        }
        if (damaged.Count > 0)
        {
            var coder = new ReedSolomon(manifest.DataShards, manifest.ParityShards);
            ConcurrentChunkManager manager = CreateChunkManager(maxUploads: null, maxRetrievals: null);
            try
            {
                await manager.RetrieveAsync(damaged, (stripe, ct) => RepairStripeAsync(stripe, manifest, survey, coder, work, ct),
                    cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (TransferException error)
            {
                work.Problem(error.Message);
            }
        }

        HolderSurvey afterSurvey = await SurveyAsync(fileKey, manifest, cancellationToken).ConfigureAwait(false);
        FileAvailability after = Describe(fileKey, manifest, afterSurvey, options);
        Log.Repaired(_logger, work.FileKey, work.Rebuilt, work.Copies, work.ManifestCopies, after.Status);
        return new FileRepairResult(work.FileKey, before.Status, work.StripesRepaired, work.Rebuilt, work.Copies, work.ManifestCopies, work.Problems, after);
    }

    /// <summary>Rebuilds the stripe's missing shards in the lent buffers, then re-places every under-replicated one.</summary>
    private async ValueTask RepairStripeAsync(RetrievedStripe stripe, Manifest manifest, HolderSurvey survey, ReedSolomon coder, RepairWork work,
        CancellationToken cancellationToken)
    {
        Memory<byte>[] shards = stripe.Shards.ToArray();
        bool[] present = stripe.Present.ToArray();
        var needed = new List<int>();
        for (int slot = 0; slot < shards.Length; slot++)
        {
            if (ManifestShards.IsStored(manifest, stripe.Index, slot) && survey.Of(stripe.Descriptor.Shards[slot]).Count < work.Replication)
            {
                needed.Add(slot);
            }
        }
        int rebuilt = needed.Count(slot => !present[slot]);
        if (rebuilt > 0)
        {
            coder.Reconstruct(shards, present);
        }
        // Every peer holding some shard of this stripe: rebuilt shards go elsewhere when they can, so that losing one
        // peer never costs the stripe two shards (the same diversity StripePlacement gives an upload).
        var stripeHolders = new HashSet<PeerId>(stripe.Descriptor.Shards.SelectMany(survey.Of));
        bool complete = true;
        foreach (int slot in needed)
        {
            ContentHash address = stripe.Descriptor.Shards[slot];
            if (ContentHash.Compute(shards[slot].Span) != address)
            {
                work.Problem($"stripe {stripe.Index} shard {slot}: the rebuilt bytes do not match the manifest's address; nothing was stored");
                complete = false;
                continue;
            }
            IReadOnlyList<PeerId> holders = survey.Of(address);
            int stored = await StoreCopiesAsync(address, shards[slot], holders, work.Replication, work, stripeHolders, cancellationToken).ConfigureAwait(false);
            work.Copies += stored;
            complete &= holders.Count + stored >= work.Replication;
        }
        work.Rebuilt += rebuilt;
        work.StripesRepaired += complete ? 1 : 0;
    }

    /// <summary>Stores <paramref name="data"/> on the closest storage peers that do not hold it yet until it has
    /// <paramref name="target"/> holders, peers outside <paramref name="avoid"/> first (each peer that takes a copy
    /// joins it); a peer that refuses or fails is skipped for the next. Returns copies stored.</summary>
    private async Task<int> StoreCopiesAsync(ContentHash shard, ReadOnlyMemory<byte> data, IReadOnlyList<PeerId> holders, int target,
        RepairWork work, HashSet<PeerId>? avoid, CancellationToken cancellationToken)
    {
        int missing = target - holders.Count;
        if (missing <= 0)
        {
            return 0;
        }
        TimeSpan timeout = MaintenancePeerTimeout;
        int wanted = target + holders.Count + missing + (avoid?.Count ?? 0);
        IReadOnlyList<PeerId> closest = await _network.FindPlacementPeersAsync(shard, wanted, cancellationToken).ConfigureAwait(false);
        var candidates = new List<PeerId>(closest.Where(p => !holders.Contains(p)));
        int stored = 0;
        while (stored < missing && candidates.Count > 0)
        {
            // The closest peer not yet holding a shard of the stripe; the closest of the rest when every one does.
            int pick = Math.Max(0, candidates.FindIndex(p => avoid is null || !avoid.Contains(p)));
            PeerId peer = candidates[pick];
            candidates.RemoveAt(pick);
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(timeout);
            try
            {
                await _exchange.StoreAsync(peer, shard, data, attempt.Token).ConfigureAwait(false);
                stored++;
                avoid?.Add(peer);
            }
            catch (Exception error) when (IsPeerFailure(error, cancellationToken))
            {
                Log.RepairProblem(_logger, work.FileKey, $"{peer} did not take shard {shard}: {error.Message}");
            }
        }
        if (stored < missing)
        {
            work.Problem($"shard {shard} has {holders.Count + stored} of {target} copies: not enough storage peers took it");
        }
        return stored;
    }

    /// <summary>What one repair did so far (stripes are handed over one at a time, so no locking is needed).</summary>
    private sealed class RepairWork(string fileKey, int replication)
    {
        private readonly List<string> _problems = [];

        public string FileKey { get; } = fileKey;
        public int Replication { get; } = replication;
        public int StripesRepaired { get; set; }
        public int Rebuilt { get; set; }
        public int Copies { get; set; }
        public int ManifestCopies { get; set; }
        public IReadOnlyList<string> Problems => _problems;

        public void Problem(string text) => _problems.Add(text);
    }
}
