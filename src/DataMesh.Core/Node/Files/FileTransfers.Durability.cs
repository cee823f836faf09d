using DataMesh.Core.Configuration;
using DataMesh.Core.Durability;
using DataMesh.Core.Transfers;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Node.Files;

/// <summary>The layout a send uses: chosen by <see cref="LayoutPolicy"/> from the storage peers reachable and the
/// node losses to survive, or fixed by data_shards/parity_shards.</summary>
/// <param name="StoragePeers">Storage peers counted when the layout was chosen; 0 for a fixed layout (not counted,
/// placement uncapped).</param>
/// <param name="Choice">The policy's choice; null for a fixed layout.</param>
internal sealed record SendLayout(ShardLayout Layout, int StoragePeers, int TargetFailures, LayoutChoice? Choice)
{
    /// <summary>Copies of the manifest this send places: <see cref="ManifestCopiesWanted"/>, as many as the mesh has
    /// when it is smaller.</summary>
    public int ManifestCopies => Choice is not null
        ? Math.Max(1, Math.Min(StoragePeers, ManifestCopiesWanted(TargetFailures, null)))
        : ManifestCopiesWanted(TargetFailures, Layout);

    /// <summary>The one rule for how many nodes should hold a file's manifest, used by Send and by Test/Repair: without
    /// it nothing can be read, so under the policy it survives as many node losses as the data (f + 1 copies on
    /// distinct nodes); a fixed layout keeps max(replication_factor, parity + 1).</summary>
    public static int ManifestCopiesWanted(int targetFailures, ShardLayout? fixedLayout) => fixedLayout is { } layout
        ? Math.Max(layout.Copies, layout.ParityShards + 1)
        : targetFailures + 1;
}

/// <summary>What was acknowledged, in the terms a user plans with: node losses survived and bytes stored.</summary>
internal readonly record struct StoredDurability(int ToleratedFailures, long StoredBytes);

internal sealed partial class FileTransfers
{
    /// <summary>Counts the storage peers reachable and chooses the file's layout (<see cref="SendLayout"/>).</summary>
    /// <exception cref="InsufficientStoragePeersException">Fewer than 2 storage peers and not forced, or none at all.</exception>
    private async Task<SendLayout> ChooseLayoutAsync(string source, SendFileOptions options, CancellationToken cancellationToken)
    {
        int target = options.ToleratedFailures ?? _options.Storage.ToleratedNodeFailures;
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(options.ToleratedFailures));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(target, LayoutPolicy.MaxToleratedFailures, nameof(options.ToleratedFailures));
        if (_options.FixedLayout() is { } fixedLayout)
        {
            return new SendLayout(fixedLayout, 0, target, null);
        }
        // On a small mesh this is every storage peer known; on a large one the XOR-closest to a key of this file,
        // enough for the widest stripe the target allows plus fallbacks: what the file's stripes will land on.
        int wanted = LayoutPolicy.MaxDataShards + target + _managers.Create().Options.SparePlacementPeers;
        ContentHash probe = ContentHash.Compute(System.Text.Encoding.UTF8.GetBytes(source));
        IReadOnlyList<PeerId> peers = await _managers.Network.FindPlacementPeersAsync(probe, wanted, cancellationToken).ConfigureAwait(false);
        int reachable = peers.Distinct().Count();
        if (reachable == 0 || (reachable < 2 && !options.Force))
        {
            throw new InsufficientStoragePeersException(reachable, target);
        }
        LayoutChoice choice = LayoutPolicy.Choose(reachable, target);
        return new SendLayout(choice.Layout, reachable, target, choice);
    }

    /// <summary>Node losses the acknowledged placement survives (the least over every stripe, counted as
    /// <see cref="PlacementHappiness"/> does, and the manifest) and the bytes it stores across the mesh.</summary>
    private static StoredDurability Measure(Manifest manifest, UploadResult data, StoredShard manifestStored, long manifestLength)
    {
        var holders = new Dictionary<ContentHash, StoredShard>();
        long storedBytes = manifestLength * manifestStored.Holders.Count;
        foreach (StoredShard shard in data.Shards)
        {
            if (holders.TryAdd(shard.Shard, shard))
            {
                storedBytes += shard.Length * shard.Holders.Count;
            }
        }
        int tolerated = manifestStored.Holders.Distinct().Count() - 1;
        foreach (StripeDescriptor stripe in StripeDescriptor.FromManifest(manifest))
        {
            // Padding slots are known zeros: a stripe needs as many of its stored shards as it has stored data shards.
            IReadOnlyCollection<PeerId>[] stored = [.. stripe.Shards.Take(stripe.StoredDataShards).Concat(stripe.Shards.Skip(stripe.DataShardCount))
                .Select(shard => holders.TryGetValue(shard, out StoredShard? s) ? (IReadOnlyCollection<PeerId>)s.Holders : [])];
            tolerated = Math.Min(tolerated, PlacementHappiness.SurvivableFailures(stored, stripe.StoredDataShards));
        }
        return new StoredDurability(tolerated, storedBytes);
    }

    /// <summary>The upload failed because a shard found no node holding none of its stripe: say so in the terms of the
    /// policy (nodes and losses), not of shards.</summary>
    private static DurabilityShortfallException PlacementFailed(SendLayout layout, UploadFailedException failed)
    {
        string lastError = failed.Failures.SelectMany(f => f.Errors).LastOrDefault() is { } error ? $" Last error: {error}." : "";
        int expected = layout.Choice?.ExpectedFailures ?? layout.TargetFailures;
        return new DurabilityShortfallException(
            $"The file could not be stored to survive {expected} node loss(es): its {layout.Layout} stripes need {layout.Layout.Width} storage nodes " +
            $"holding one shard each, {layout.StoragePeers} were reachable when the send started, and {failed.Failures.Count} shard(s) found no node " +
            $"free of their stripe (a node stopped answering or refused).{lastError} Send again: the layout is chosen for the nodes reachable then.",
            expected, -1, failed);
    }

    private static DurabilityShortfallException ManifestFailed(SendLayout layout, UploadFailedException failed)
    {
        int held = failed.Failures.Count > 0 ? failed.Failures[0].Holders.Count : 0;
        return new DurabilityShortfallException(
            $"The file's manifest reached {held} of the {layout.ManifestCopies} storage nodes it needs to survive {layout.ManifestCopies - 1} node loss(es) " +
            $"({layout.StoragePeers} storage peers were reachable when the send started). Send again: the layout is chosen for the nodes reachable then.",
            layout.ManifestCopies - 1, held - 1, failed);
    }
}
