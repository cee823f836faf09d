using DataMesh.Core.Configuration;
using DataMesh.Core.Exchange;
using DataMesh.Core.Transfers;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Catalog;
using DataMesh.Storage.ChunkStore;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Keys;
using DataMesh.Storage.Manifests;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Node.Files;

// File maintenance: Test (who holds which shard), Repair (rebuild and re-place what is missing) and Remove
// (owner-signed delete). All three start from the manifest's raw bytes and a survey of holders made with the
// chunk protocol's Have request, one batched request per candidate peer.
internal sealed partial class FileMaintenance(DataMeshOptions options, UserIdentity user, FileCatalog catalog, ChunkStore store, ShardClaims claims,
    ChunkManagerFactory managers, ManifestSource manifests, ILogger logger)
{
    private readonly DataMeshOptions _options = options;
    private readonly UserIdentity _user = user;
    private readonly FileCatalog _catalog = catalog;
    private readonly ChunkStore _store = store;
    private readonly ShardClaims _claims = claims;
    private readonly ChunkManagerFactory _managers = managers;
    private readonly ManifestSource _manifests = manifests;
    private readonly ILogger _logger = logger;

    /// <summary>Checks which peers hold each shard of a file, stripe by stripe.</summary>
    /// <exception cref="FileNotFoundOnMeshException">No reachable peer has the manifest.</exception>
    public async Task<FileAvailability> TestFileAsync(ManifestAddress fileKey, FileCheckOptions? options = null, CancellationToken cancellationToken = default)
    {
        options = Validate(options);
        ConcurrentChunkManager manager = _managers.Create();
        FetchedManifest fetched = await FetchEncodedManifestAsync(manager, fileKey, cancellationToken).ConfigureAwait(false);
        MeshSurvey survey = await SurveyAsync(manager, fileKey, fetched.Manifest, cancellationToken).ConfigureAwait(false);
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

    private static async Task<FetchedManifest> FetchEncodedManifestAsync(ConcurrentChunkManager manager, ManifestAddress fileKey, CancellationToken cancellationToken)
    {
        byte[] encoded = await ManifestSource.FetchStoredAsync(manager, fileKey, cancellationToken).ConfigureAwait(false);
        try
        {
            return new FetchedManifest(encoded, ManifestCodec.Read(encoded, fileKey));
        }
        catch (Storage.StorageException error)
        {
            throw new FileNotFoundOnMeshException(fileKey, error.Message);
        }
    }

    /// <summary>Asks every candidate holder (announced providers and the XOR-closest storage peers) of the manifest and
    /// of each stored shard which of them it holds: one Have request per peer per 1024 shards, a few peers at a time;
    /// then counts the live storage peers the file could be spread over.</summary>
    private async Task<MeshSurvey> SurveyAsync(ConcurrentChunkManager manager, ManifestAddress fileKey, Manifest manifest, CancellationToken cancellationToken)
    {
        var byPeer = new Dictionary<PeerId, List<ContentHash>>();
        foreach (ContentHash shard in ManifestShards.Stored(manifest).Prepend(fileKey.Hash).Distinct())
        {
            foreach (PeerId peer in await CandidateHoldersAsync(shard, fileKey, ManifestSearchWidth(manifest), cancellationToken).ConfigureAwait(false))
            {
                if (!byPeer.TryGetValue(peer, out List<ContentHash>? list))
                {
                    byPeer[peer] = list = [];
                }
                list.Add(shard);
            }
        }
        HolderSurvey survey = await manager.SurveyAsync(byPeer, cancellationToken).ConfigureAwait(false);
        int storagePeers = await CountLiveStoragePeersAsync(fileKey, manifest, survey, cancellationToken).ConfigureAwait(false);
        return new MeshSurvey(survey, storagePeers);
    }

    /// <summary>Peers that may hold <paramref name="shard"/>: announced providers and the XOR-closest storage peers. The
    /// manifest is placed on more peers than a shard (<paramref name="manifestCopies"/>), so more are asked about it.</summary>
    private async ValueTask<IReadOnlyList<PeerId>> CandidateHoldersAsync(ContentHash shard, ManifestAddress fileKey, int manifestCopies, CancellationToken cancellationToken)
    {
        IReadOnlyList<PeerId> holders = await _managers.Network.FindHoldersAsync(shard, cancellationToken).ConfigureAwait(false);
        if (shard != fileKey.Hash)
        {
            return holders;
        }
        IReadOnlyList<PeerId> closest = await _managers.Network.FindPlacementPeersAsync(shard, manifestCopies * 2, cancellationToken).ConfigureAwait(false);
        return [.. holders.Concat(closest).Distinct()];
    }

    private string? NameOf(ManifestAddress fileKey, Manifest manifest)
    {
        if (_catalog.Find(fileKey.ToString()) is { } entry)
        {
            return entry.Name;
        }
        try
        {
            return manifest.DecryptMetadata(_user).Name;
        }
        catch (Storage.StorageException)
        {
            return null; // not shared with this user: the name is sealed
        }
    }
}
