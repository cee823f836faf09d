using DataMesh.Core.Exchange;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Node;

public sealed partial class DataMeshNode
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
        FetchedManifest fetched = await FetchEncodedManifestAsync(fileKey, cancellationToken).ConfigureAwait(false);
        Manifest manifest = fetched.Manifest;
        string keyText = fileKey.ToString();
        if (manifest.Owner != User.PublicIdentity)
        {
            throw new NotFileOwnerException(keyText, manifest.Owner.Fingerprint);
        }
        string? name = NameOf(fileKey, manifest);
        byte[] signature = DeleteAuthorization.Sign(User, fileKey);

        var peers = new HashSet<PeerId>();
        foreach (ContentHash shard in ManifestShards.Stored(manifest).Prepend(fileKey.Hash).Distinct())
        {
            peers.UnionWith(await CandidateHoldersAsync(shard, fileKey, cancellationToken).ConfigureAwait(false));
        }
        TimeSpan timeout = MaintenancePeerTimeout;
        var problems = new List<string>();
        int confirmed = 0, deleted = 0;
        var sync = new Lock();
        await Parallel.ForEachAsync(peers, new ParallelOptions { MaxDegreeOfParallelism = SurveyParallelism, CancellationToken = cancellationToken },
            async (peer, token) =>
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token);
                attempt.CancelAfter(timeout);
                try
                {
                    int count = await _exchange.DeleteAsync(peer, fileKey, fetched.Encoded, signature, attempt.Token).ConfigureAwait(false);
                    lock (sync)
                    {
                        confirmed++;
                        deleted += count;
                    }
                }
                catch (Exception error) when (IsPeerFailure(error, token))
                {
                    string problem = error is DeleteRefusedException ? error.Message : $"{peer} did not answer the delete: {error.Message}";
                    Log.RemoveProblem(_logger, keyText, problem);
                    lock (sync)
                    {
                        problems.Add(problem);
                    }
                }
            }).ConfigureAwait(false);

        int local = await ManifestDeletion.DeleteAsync(Store, Claims, fileKey, manifest, DeletionScope.LocalUser, _logger, cancellationToken).ConfigureAwait(false);
        // This node published the manifest record and would republish it; the copies other DHT nodes hold expire.
        Dht.Records.Remove(Core.Dht.ManifestRecordKey.For(fileKey));
        // When no peer took the delete, nothing changed on the mesh: keep the entry so the user can find the key and retry.
        bool uncataloged = (confirmed > 0 || peers.Count == 0) && await Catalog.RemoveAsync(keyText, cancellationToken).ConfigureAwait(false);
        Log.Removed(_logger, keyText, confirmed, peers.Count, deleted);
        return new FileRemovalResult(keyText, name, peers.Count, confirmed, deleted, local, uncataloged, problems);
    }
}
