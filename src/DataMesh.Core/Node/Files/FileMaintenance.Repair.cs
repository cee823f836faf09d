using DataMesh.Core.Configuration;
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
    /// <summary>Restores a file's durability: every stored shard that no live peer holds is rebuilt from any k shards
    /// of its stripe with Reed-Solomon (checked against the manifest's address) and stored, on a storage peer holding
    /// no shard of that stripe when there is one; then, while a stripe survives fewer node losses than the target
    /// (<see cref="FileAvailability.TargetFailures"/>), one of its shards that shares its holders with another is given
    /// a storage peer of its own, raising the stripe's happiness by one each time, until the target is met or no
    /// further peer takes a shard. The manifest gets copies up to the target + 1 too. Works for any layout the manifest
    /// records (k = 1 replication included) and any file whose stripes still have k reachable shards; the file's key is
    /// not needed to rebuild (shards are ciphertext), but the manifest is, and it is sealed to the file's readers.</summary>
    /// <exception cref="FileNotFoundOnMeshException">No reachable peer has the manifest.</exception>
    public async Task<FileRepairResult> RepairFileAsync(ManifestAddress fileKey, FileCheckOptions? options = null, CancellationToken cancellationToken = default)
    {
        options = Validate(options);
        ConcurrentChunkManager manager = _managers.Create();
        FetchedManifest fetched = await FetchEncodedManifestAsync(manager, fileKey, cancellationToken).ConfigureAwait(false);
        Manifest manifest = fetched.Manifest;
        MeshSurvey survey = await SurveyAsync(manager, fileKey, manifest, cancellationToken).ConfigureAwait(false);
        FileAvailability before = Describe(fileKey, manifest, survey, options);
        var work = new RepairWork(fileKey.ToString(), before.TargetFailures);

        work.ManifestCopies = await StoreCopiesAsync(manager, fileKey.Hash, fetched.Encoded, survey.Of(fileKey.Hash), before.ManifestCopiesWanted, work, avoid: null, _logger,
            cancellationToken).ConfigureAwait(false);

        var damaged = new List<StripeDescriptor>();
        foreach (StripeAvailability stripe in before.Stripes.Where(s => s.ToleratedFailures < before.TargetFailures || s.Shards.Any(x => !x.Available)))
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

        MeshSurvey afterSurvey = await SurveyAsync(manager, fileKey, manifest, cancellationToken).ConfigureAwait(false);
        FileAvailability after = Describe(fileKey, manifest, afterSurvey, options);
        foreach (string problem in work.Problems)
        {
            Log.RepairProblem(_logger, work.FileKey, problem);
        }
        Log.Repaired(_logger, work.FileKey, work.Rebuilt, work.Copies, work.ManifestCopies, before.ToleratedFailures, after.ToleratedFailures, after.TargetFailures,
            after.Status);
        return new FileRepairResult(work.FileKey, before.Status, work.StripesRepaired, work.Rebuilt, work.Copies, work.ManifestCopies, work.Problems, after,
            before.ToleratedFailures);
    }

    /// <summary>Rebuilds the stripe's missing shards in the lent buffers and stores each on a peer, one holding no shard
    /// of the stripe first; then gives shards peers of their own until the stripe's tolerance reaches the target.</summary>
    private async ValueTask RepairStripeAsync(ConcurrentChunkManager manager, RetrievedStripe stripe, Manifest manifest, MeshSurvey survey, ReedSolomon coder,
        RepairWork work, CancellationToken cancellationToken)
    {
        Memory<byte>[] shards = stripe.Shards.ToArray();
        bool[] present = stripe.Present.ToArray();
        var (slots, holderLists, virtualSlots) = StoredSlots(manifest, stripe.Index, survey);
        var placement = new StripeRepair(stripe.Index, stripe.Descriptor.Shards, slots, holderLists, manifest.DataShards - virtualSlots,
            new HashSet<PeerId>(survey.Holders.Unreachable));
        if (slots.Any(slot => !present[slot]))
        {
            coder.Reconstruct(shards, present);
        }
        bool intact = true;
        // Shards no live peer holds: rebuilt, and stored on the least loaded peer (one holding none of the stripe if any).
        foreach (int index in placement.MissingSlots())
        {
            IReadOnlyList<PeerId> candidates = placement.LeastLoadedFirst(index, await PlacementPeersAsync(placement, index, work, cancellationToken).ConfigureAwait(false));
            if (await PlaceAsync(manager, placement, index, shards, candidates, work, cancellationToken).ConfigureAwait(false))
            {
                work.Rebuilt++;
            }
            else
            {
                intact = false;
            }
        }
        // Then raise the happiness one node at a time: a shard the largest matching leaves without a node of its own
        // goes to a peer holding none of the stripe.
        while (placement.Tolerated < work.Target && placement.SlotRaisingHappiness() is int index)
        {
            IReadOnlyList<PeerId> fresh = placement.Unused(await PlacementPeersAsync(placement, index, work, cancellationToken).ConfigureAwait(false));
            if (fresh.Count == 0 || !await PlaceAsync(manager, placement, index, shards, fresh, work, cancellationToken).ConfigureAwait(false))
            {
                break;
            }
        }
        if (placement.Tolerated < work.Target)
        {
            work.Problem($"stripe {stripe.Index} survives {placement.Tolerated} node loss(es), target {work.Target}: no further storage peer holding none of its shards took one");
        }
        work.StripesRepaired += intact && placement.Tolerated >= work.Target ? 1 : 0;
    }

    /// <summary>The XOR-closest storage peers of a slot's address, enough for every shard of the stripe and the target.</summary>
    private async Task<IReadOnlyList<PeerId>> PlacementPeersAsync(StripeRepair placement, int index, RepairWork work, CancellationToken cancellationToken)
    {
        int window = placement.Slots.Count + placement.StripeHolders().Count + work.Target + _options.ToChunkTransferOptions().SparePlacementPeers;
        return await _managers.Network.FindPlacementPeersAsync(placement.AddressOf(index), window, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores the shard of stored slot <paramref name="index"/> on the first candidate that takes it, after
    /// checking its bytes against the manifest's address.</summary>
    private async Task<bool> PlaceAsync(ConcurrentChunkManager manager, StripeRepair placement, int index, Memory<byte>[] shards, IReadOnlyList<PeerId> candidates,
        RepairWork work, CancellationToken cancellationToken)
    {
        ContentHash address = placement.AddressOf(index);
        ReadOnlyMemory<byte> data = shards[placement.Slots[index]];
        if (ContentHash.Compute(data.Span) != address)
        {
            work.Problem($"stripe {placement.Stripe} shard {placement.Slots[index]}: the rebuilt bytes do not match the manifest's address; nothing was stored");
            return false;
        }
        CopyPlaced placed = await manager.StoreOnFirstAsync(address, data, candidates, cancellationToken).ConfigureAwait(false);
        foreach (string failure in placed.Failures)
        {
            Log.RepairProblem(_logger, work.FileKey, failure);
        }
        if (placed.Peer is not { } peer)
        {
            work.Problem($"stripe {placement.Stripe} shard {placement.Slots[index]}: no storage peer took it");
            return false;
        }
        placement.Add(index, peer);
        work.Copies++;
        return true;
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
    private sealed class RepairWork(string fileKey, int target)
    {
        private readonly List<string> _problems = [];

        public string FileKey { get; } = fileKey;
        /// <summary>Node losses each stripe should survive (the file's capped target).</summary>
        public int Target { get; } = target;
        public int StripesRepaired { get; set; }
        public int Rebuilt { get; set; }
        public int Copies { get; set; }
        public int ManifestCopies { get; set; }
        public IReadOnlyList<string> Problems => _problems;

        public void Problem(string text) => _problems.Add(text);
    }
}
