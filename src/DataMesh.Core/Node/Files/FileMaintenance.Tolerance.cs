using DataMesh.Core.Configuration;
using DataMesh.Core.Durability;
using DataMesh.Core.Exchange;
using DataMesh.Core.Transfers;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Node.Files;

// How many node losses a file survives now, from the survey's live holders, against the durability target.
internal sealed partial class FileMaintenance
{
    /// <summary>A survey of holders and the live storage peers the file could be spread over.</summary>
    private sealed record MeshSurvey(HolderSurvey Holders, int StoragePeers)
    {
        public IReadOnlyList<PeerId> Of(ContentHash shard) => Holders.Of(shard);
    }

    /// <summary>How many peers should hold the manifest: the rule Send places it by (<see cref="SendLayout.ManifestCopiesWanted"/>),
    /// with a fixed layout's copies from this node's settings and the file's own parity.</summary>
    private int ManifestCopiesWanted(Manifest manifest) => SendLayout.ManifestCopiesWanted(_options.Storage.ToleratedNodeFailures,
        _options.FixedLayout() is { } fixedLayout ? new ShardLayout(manifest.DataShards, manifest.ParityShards, fixedLayout.Copies) : null);

    /// <summary>The manifest copies to look for: however the sender counted them (from its configured parity or its
    /// target), they are among the XOR-closest this many peers.</summary>
    private int ManifestSearchWidth(Manifest manifest) =>
        Math.Max(ManifestCopiesWanted(manifest), Math.Max(_options.Storage.ParityShards, _options.Storage.ToleratedNodeFailures) + 1);

    /// <summary>Storage peers the file could be spread over: the placement peers the network knows (asked for more than
    /// a stripe's width, so a small mesh answers with all of them), less those that did not answer the survey, plus
    /// any peer that answered holding something.</summary>
    private async Task<int> CountLiveStoragePeersAsync(ManifestAddress fileKey, Manifest manifest, HolderSurvey survey, CancellationToken cancellationToken)
    {
        int wanted = manifest.DataShards + manifest.ParityShards + ManifestSearchWidth(manifest)
            + survey.Unreachable.Count;
        IReadOnlyList<PeerId> placement = await _managers.Network.FindPlacementPeersAsync(fileKey.Hash, wanted, cancellationToken).ConfigureAwait(false);
        var live = new HashSet<PeerId>(placement);
        live.ExceptWith(survey.Unreachable);
        live.UnionWith(survey.Holders.Values.SelectMany(p => p));
        return live.Count;
    }

    /// <summary>The stored slots of stripe <paramref name="index"/> (virtual slots left out) and their live holders.</summary>
    private static (int[] Slots, IReadOnlyCollection<PeerId>[] Holders, int Virtual) StoredSlots(Manifest manifest, int index, MeshSurvey survey)
    {
        var addresses = manifest.Stripes[index].Shards;
        int[] slots = [.. Enumerable.Range(0, addresses.Length).Where(slot => ManifestShards.IsStored(manifest, index, slot))];
        IReadOnlyCollection<PeerId>[] holders = [.. slots.Select(slot => (IReadOnlyCollection<PeerId>)survey.Of(addresses[slot]))];
        return (slots, holders, addresses.Length - slots.Length);
    }

    /// <summary>
    /// The file's health: each stripe's tolerance (<see cref="StripeTolerance"/>), the file's (its weakest stripe's,
    /// and at most the manifest's holders - 1), the target (tolerated_node_failures capped by what the layout allows
    /// over the live storage peers) and the status that follows: Lost when a stripe cannot be read; Healthy when the
    /// tolerance meets the target and nothing a repair could restore is missing; AtRisk when the tolerance is below
    /// the safety margin; Degraded otherwise.
    /// </summary>
    private FileAvailability Describe(ManifestAddress fileKey, Manifest manifest, MeshSurvey survey, FileCheckOptions options)
    {
        int k = manifest.DataShards, m = manifest.ParityShards, replication = _options.Network.ReplicationFactor;
        var tolerances = new StripeTolerance[manifest.Stripes.Count];
        for (int s = 0; s < tolerances.Length; s++)
        {
            var (_, holders, virtualSlots) = StoredSlots(manifest, s, survey);
            tolerances[s] = StripeTolerance.Of(holders, k, virtualSlots, survey.StoragePeers);
        }
        IReadOnlyList<PeerId> manifestHolders = survey.Of(fileKey.Hash);
        int target = TargetFor(tolerances, survey.StoragePeers);
        // As many copies as Send places, as far as the live peers allow, and enough to survive the target's losses.
        int manifestWanted = Math.Max(Math.Min(ManifestCopiesWanted(manifest), Math.Max(1, survey.StoragePeers)), target + 1);
        // It was fetched a moment ago, so it is readable even when no peer now admits to holding it.
        int manifestTolerance = Math.Max(0, manifestHolders.Count - 1);
        bool manifestComplete = manifestHolders.Count >= manifestWanted;

        var stripes = new StripeAvailability[tolerances.Length];
        for (int s = 0; s < stripes.Length; s++)
        {
            var addresses = manifest.Stripes[s].Shards;
            var shards = new ShardAvailability[addresses.Length];
            int underReplicated = 0, minHolders = int.MaxValue;
            for (int j = 0; j < addresses.Length; j++)
            {
                bool stored = ManifestShards.IsStored(manifest, s, j);
                IReadOnlyList<PeerId> holders = stored ? survey.Of(addresses[j]) : [];
                shards[j] = new ShardAvailability(j, addresses[j].ToString(), stored, [.. holders.Select(p => p.ToString())]);
                if (stored)
                {
                    underReplicated += holders.Count < replication ? 1 : 0;
                    minHolders = Math.Min(minHolders, holders.Count);
                }
            }
            StripeTolerance tolerance = tolerances[s];
            FileHealthStatus status = Classify(tolerance.Tolerated, target, complete: tolerance.Missing == 0, options.SafetyMargin);
            stripes[s] = new StripeAvailability(s, k, m, tolerance.Available, underReplicated, minHolders == int.MaxValue ? 0 : minHolders, status, shards,
                tolerance.Tolerated);
        }
        int tolerated = tolerances.Length == 0 ? manifestTolerance : Math.Min(tolerances.Min(t => t.Tolerated), manifestTolerance);
        if (tolerated < 0)
        {
            tolerated = -1;
        }
        bool complete = manifestComplete && tolerances.All(t => t.Missing == 0);
        FileHealthStatus worst = Classify(tolerated, target, complete, options.SafetyMargin);
        return new FileAvailability(fileKey.ToString(), NameOf(fileKey, manifest), manifest.PlaintextSize, k, m, replication, options.SafetyMargin,
            [.. manifestHolders.Select(p => p.ToString())], manifestWanted, stripes, survey.Holders.PeersAsked,
            [.. survey.Holders.Unreachable.Select(p => p.ToString())], worst, tolerated, target, survey.StoragePeers);
    }

    /// <summary>The configured tolerated_node_failures, capped by what every stripe could survive spread over the live
    /// storage peers and by the manifest's copies there (one per peer): a file on three nodes cannot survive three losses.</summary>
    private int TargetFor(IReadOnlyList<StripeTolerance> stripes, int storagePeers)
    {
        int target = Math.Min(_options.Storage.ToleratedNodeFailures, Math.Max(0, storagePeers - 1));
        foreach (StripeTolerance stripe in stripes)
        {
            target = Math.Min(target, stripe.Possible);
        }
        return target;
    }

    /// <summary>The health that follows from a tolerance (see <see cref="FileHealthStatus"/>).</summary>
    internal static FileHealthStatus Classify(int tolerated, int target, bool complete, int safetyMargin) =>
        tolerated < 0 ? FileHealthStatus.Lost
        : tolerated >= target && complete ? FileHealthStatus.Healthy
        : tolerated < safetyMargin ? FileHealthStatus.AtRisk
        : FileHealthStatus.Degraded;
}
