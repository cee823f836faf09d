using DataMesh.Storage.Addressing;
using DataMesh.Storage.ChunkStore;
using DataMesh.Storage.Manifests;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Exchange;

/// <summary>Who asks a store to delete a file, which decides what an unclaimed shard means.</summary>
internal enum DeletionScope
{
    /// <summary>A peer's owner-signed Delete: only shards the owner claims here and nobody else does go. A shard
    /// nobody claims was stored by a client that predates claims; a remote request cannot prove it is the owner's,
    /// so it stays (the node's own garbage collection may remove it).</summary>
    RemoteOwner,

    /// <summary>This node's own user removing their file: unclaimed shards (this node's own copies) go too.</summary>
    LocalUser,
}

/// <summary>Removes one file from a chunk store without taking what anyone else still needs: the manifest's pin is
/// dropped, then for each shard it lists (and the manifest itself) the owner's claim is removed, and the shard is
/// deleted only when no other owner claims it and no remaining pin (another manifest the store holds, or a file of
/// the local user) names it. The caller has verified the owner's consent.</summary>
internal static class ManifestDeletion
{
    /// <summary>The pin a store keeps for a manifest (the convention of <c>ChunkStorePinning.PinManifestAsync</c>).</summary>
    public static string PinIdOf(ManifestAddress address) => address.Hash.ToString();

    /// <summary>Returns how many shards (the manifest included) were deleted.</summary>
    public static async Task<int> DeleteAsync(ChunkStore store, ShardClaims claims, ManifestAddress address, Manifest manifest, DeletionScope scope,
        ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(manifest);
        OwnerTag owner = OwnerTag.Of(manifest.Owner);
        await store.UnpinAsync(PinIdOf(address), cancellationToken).ConfigureAwait(false);
        int deleted = 0;
        foreach (ContentHash shard in ManifestShards.Stored(manifest).Append(address.Hash).Distinct())
        {
            try
            {
                // The claim and the shard change under one lease, so a concurrent store's new claim is never lost.
                using ShardClaimLease lease = await claims.AcquireAsync(shard, cancellationToken).ConfigureAwait(false);
                ClaimReleased released = await lease.RemoveAsync(owner, cancellationToken).ConfigureAwait(false);
                bool unclaimed = released == ClaimReleased.LastClaimRemoved || (released == ClaimReleased.Unclaimed && scope == DeletionScope.LocalUser);
                if (unclaimed && !store.IsPinned(shard) && await store.DeleteAsync(shard, cancellationToken).ConfigureAwait(false))
                {
                    deleted++;
                }
            }
            catch (ShardClaimsException error)
            {
                // Damaged or unwritable claims: keeping the shard is the safe answer.
                if (logger is not null)
                {
                    Log.ClaimsUnavailable(logger, shard, address.Hash, error.Message);
                }
            }
        }
        return deleted;
    }
}
