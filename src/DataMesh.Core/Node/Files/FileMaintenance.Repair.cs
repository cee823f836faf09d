using DataMesh.Core.Exchange;
using DataMesh.Core.Transfers;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Erasure;
using DataMesh.Storage.Manifests;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Node.Files;

internal sealed partial class FileMaintenance
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
        ConcurrentChunkManager manager = _managers.Create();
        FetchedManifest fetched = await FetchEncodedManifestAsync(manager, fileKey, cancellationToken).ConfigureAwait(false);
        Manifest manifest = fetched.Manifest;
        HolderSurvey survey = await SurveyAsync(manager, fileKey, manifest, cancellationToken).ConfigureAwait(false);
        FileAvailability before = Describe(fileKey, manifest, survey, options);
        var work = new RepairWork(fileKey.ToString(), _options.Network.ReplicationFactor);

        work.ManifestCopies = await StoreCopiesAsync(manager, fileKey.Hash, fetched.Encoded, survey.Of(fileKey.Hash), ManifestCopiesWanted, work, avoid: null, _logger,
            cancellationToken).ConfigureAwait(false);

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
            try
            {
                await manager.RetrieveAsync(damaged, (stripe, ct) => RepairStripeAsync(manager, stripe, manifest, survey, coder, work, ct),
                    cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (TransferException error)
            {
                work.Problem(error.Message);
            }
        }

        HolderSurvey afterSurvey = await SurveyAsync(manager, fileKey, manifest, cancellationToken).ConfigureAwait(false);
        FileAvailability after = Describe(fileKey, manifest, afterSurvey, options);
        Log.Repaired(_logger, work.FileKey, work.Rebuilt, work.Copies, work.ManifestCopies, after.Status);
        return new FileRepairResult(work.FileKey, before.Status, work.StripesRepaired, work.Rebuilt, work.Copies, work.ManifestCopies, work.Problems, after);
    }

    /// <summary>Rebuilds the stripe's missing shards in the lent buffers, then re-places every under-replicated one.</summary>
    private async ValueTask RepairStripeAsync(ConcurrentChunkManager manager, RetrievedStripe stripe, Manifest manifest, HolderSurvey survey, ReedSolomon coder, RepairWork work,
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
            int stored = await StoreCopiesAsync(manager, address, shards[slot], holders, work.Replication, work, stripeHolders, _logger, cancellationToken).ConfigureAwait(false);
            work.Copies += stored;
            complete &= holders.Count + stored >= work.Replication;
        }
        work.Rebuilt += rebuilt;
        work.StripesRepaired += complete ? 1 : 0;
    }

    /// <summary>Stores copies of <paramref name="data"/> until it has <paramref name="target"/> holders (see
    /// <see cref="ConcurrentChunkManager.StoreCopiesAsync"/>); returns copies stored, logging the peers that took none.</summary>
    private static async Task<int> StoreCopiesAsync(ConcurrentChunkManager manager, ContentHash shard, ReadOnlyMemory<byte> data, IReadOnlyList<PeerId> holders,
        int target, RepairWork work, HashSet<PeerId>? avoid, ILogger logger, CancellationToken cancellationToken)
    {
        CopiesStored copies = await manager.StoreCopiesAsync(shard, data, holders, target, avoid, cancellationToken).ConfigureAwait(false);
        foreach (string failure in copies.Failures)
        {
            Log.RepairProblem(logger, work.FileKey, failure);
        }
        if (holders.Count + copies.Stored < target)
        {
            work.Problem($"shard {shard} has {holders.Count + copies.Stored} of {target} copies: not enough storage peers took it");
        }
        return copies.Stored;
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
