using DataMesh.Storage.ChunkStore;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Exchange;

/// <summary>Removes one file from a chunk store, keeping whatever another file still needs: the manifest's pin is
/// dropped, then each shard it lists is deleted unless some remaining pin (another manifest the store holds, or a
/// file of the local user) names it, and finally the manifest itself. The caller has verified the owner's consent.</summary>
public static class ManifestDeletion
{
    /// <summary>The pin a store keeps for a manifest (the convention of <c>ChunkStorePinning.PinManifestAsync</c>).</summary>
    public static string PinIdOf(ManifestAddress address) => address.Hash.ToString();

    /// <summary>Returns how many shards (the manifest included) were deleted.</summary>
    public static async Task<int> DeleteAsync(ChunkStore store, ManifestAddress address, Manifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(manifest);
        await store.UnpinAsync(PinIdOf(address), cancellationToken).ConfigureAwait(false);
        int deleted = 0;
        foreach (ContentHash shard in ManifestShards.Stored(manifest).Append(address.Hash))
        {
            if (!store.IsPinned(shard) && await store.DeleteAsync(shard, cancellationToken).ConfigureAwait(false))
            {
                deleted++;
            }
        }
        return deleted;
    }
}
