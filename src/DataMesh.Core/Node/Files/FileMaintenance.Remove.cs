using DataMesh.Core.Exchange;
using DataMesh.Core.Transfers;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Node.Files;

internal sealed partial class FileMaintenance
{
    /// <summary>Deletes one of this user's files from the mesh: signs the deletion with the user's identity (the
    /// manifest's owner), sends the signed Delete to every storage peer that may hold the manifest or a shard of it,
    /// deletes what this node's own store holds of it, and drops it from the catalog (unless no peer accepted the delete). Peers keep any shard another
    /// file they know of still needs. Peers that refuse or do not answer are listed in the result; their copies stay
    /// (run it again when they are back). A peer deletes a shard only once this user held its last owner claim there.</summary>
    /// <exception cref="FileNotFoundOnMeshException">No reachable peer has the manifest.</exception>
    /// <exception cref="NotFileOwnerException">The file belongs to another user.</exception>
    public async Task<FileRemovalResult> RemoveFileAsync(ManifestAddress fileKey, CancellationToken cancellationToken = default)
    {
        ConcurrentChunkManager manager = _managers.Create();
        FetchedManifest fetched = await FetchEncodedManifestAsync(manager, fileKey, cancellationToken).ConfigureAwait(false);
        Manifest manifest = fetched.Manifest;
        string keyText = fileKey.ToString();
        if (manifest.Owner != _user.PublicIdentity)
        {
            throw new NotFileOwnerException(keyText, manifest.Owner.Fingerprint);
        }
        string? name = NameOf(fileKey, manifest);
        byte[] signature = DeleteAuthorization.Sign(_user, fileKey);

        var peers = new HashSet<PeerId>();
        foreach (ContentHash shard in ManifestShards.Stored(manifest).Prepend(fileKey.Hash).Distinct())
        {
            peers.UnionWith(await CandidateHoldersAsync(shard, fileKey, ManifestSearchWidth(manifest), cancellationToken).ConfigureAwait(false));
        }
        DeletesSent sent = await manager.DeleteFileAsync(peers, fileKey, fetched.Encoded, signature, cancellationToken).ConfigureAwait(false);
        foreach (string problem in sent.Problems)
        {
            Log.RemoveProblem(_logger, keyText, problem);
        }
        int confirmed = sent.Confirmed, deleted = sent.Deleted;

        int local = await ManifestDeletion.DeleteAsync(_store, _claims, fileKey, manifest, DeletionScope.LocalUser, _logger, cancellationToken).ConfigureAwait(false);
        // This node published the manifest record and would republish it; the copies other DHT nodes hold expire.
        _manifests.ForgetRecord(fileKey);
        // When no peer took the delete, nothing changed on the mesh: keep the entry so the user can find the key and retry.
        bool uncataloged = (confirmed > 0 || peers.Count == 0) && await _catalog.RemoveAsync(keyText, cancellationToken).ConfigureAwait(false);
        Log.Removed(_logger, keyText, confirmed, peers.Count, deleted);
        return new FileRemovalResult(keyText, name, peers.Count, confirmed, deleted, local, uncataloged, sent.Problems);
    }
}
