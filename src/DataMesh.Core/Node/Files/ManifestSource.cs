using DataMesh.Core.Dht;
using DataMesh.Core.Exchange;
using DataMesh.Core.Transfers;
using DataMesh.Libp2p;
using DataMesh.Libp2p.Kad;
using DataMesh.Storage;
using DataMesh.Storage.Manifests;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Node.Files;

/// <summary>Where a file's manifest is read from and published to: its stored copies on the mesh (fetched like a
/// shard) and, beside them, its hash-addressed "dm" record in the DHT.</summary>
internal sealed class ManifestSource(KadDht dht, ILogger logger)
{
    /// <summary>The most bytes a manifest fetch accepts: the manifest format's limit, within what one chunk-protocol answer carries.</summary>
    private const int MaxManifestBytes = ManifestLimits.MaxEncodedLength < ChunkExchangeProtocol.MaxShardBytes
        ? ManifestLimits.MaxEncodedLength : ChunkExchangeProtocol.MaxShardBytes;

    /// <summary>A manifest's bytes from its holders, fetched like a shard: ranked, hedged, retried, verified against
    /// the file key and recorded in the peer statistics.</summary>
    /// <exception cref="FileNotFoundOnMeshException">No holder provided it.</exception>
    public static async Task<byte[]> FetchStoredAsync(ConcurrentChunkManager manager, ManifestAddress fileKey, CancellationToken cancellationToken)
    {
        try
        {
            return await manager.FetchBlobAsync(fileKey.Hash, MaxManifestBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobUnavailableException missing)
        {
            throw new FileNotFoundOnMeshException(fileKey, missing.NoHolderKnown ? "no storage peer is connected" : missing.Detail);
        }
    }

    /// <summary>The manifest from its stored copies, else from its DHT record; fails only when both fail.</summary>
    public async Task<Manifest> FetchAsync(ConcurrentChunkManager manager, ManifestAddress fileKey, CancellationToken cancellationToken)
    {
        try
        {
            byte[] encoded = await FetchStoredAsync(manager, fileKey, cancellationToken).ConfigureAwait(false);
            return ManifestCodec.Read(encoded, fileKey);
        }
        catch (FileNotFoundOnMeshException stored)
        {
            if (dht.Options.Validators.Namespaces.Count == 0)
            {
                throw;
            }
            try
            {
                byte[] value = await dht.GetValueAsync(ManifestRecordKey.For(fileKey), cancellationToken).ConfigureAwait(false);
                return ManifestCodec.Read(value, fileKey); // the DHT validated it; reading it again yields the model
            }
            catch (Exception error) when (error is Libp2pException or StorageException or IOException
                || (error is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw new FileNotFoundOnMeshException(fileKey, $"{stored.Detail}; and its DHT record: {error.Message}");
            }
        }
    }

    /// <summary>Publishes a manifest under <see cref="ManifestRecordKey"/> so a receiver can read it from the DHT alone.
    /// Best effort beside the stored copies: a manifest too large for a record, a node that does not allow the "dm"
    /// namespace, or a network failure is logged and the send goes on.</summary>
    public async Task PublishRecordAsync(ManifestAddress fileKey, ReadOnlyMemory<byte> encodedManifest, CancellationToken cancellationToken)
    {
        string keyText = fileKey.ToString();
        if (encodedManifest.Length > dht.Options.MaxRecordValueBytes)
        {
            Log.ManifestTooLargeForRecord(logger, keyText, encodedManifest.Length, dht.Options.MaxRecordValueBytes);
            return;
        }
        try
        {
            int peers = await dht.PutValueAsync(ManifestRecordKey.For(fileKey), encodedManifest, cancellationToken).ConfigureAwait(false);
            Log.ManifestRecordPublished(logger, keyText, peers);
        }
        catch (Exception error) when (error is Libp2pException or IOException || (error is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Log.ManifestRecordNotPublished(logger, keyText, error.Message);
        }
    }

    /// <summary>Stops this node serving and republishing the manifest's record; the copies other DHT nodes hold expire.</summary>
    public void ForgetRecord(ManifestAddress fileKey) => dht.Records.Remove(ManifestRecordKey.For(fileKey));
}
