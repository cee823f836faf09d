using System.Buffers;
using System.Buffers.Binary;
using DataMesh.Libp2p.Host;
using DataMesh.Storage;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Manifests;
using DataMesh.Storage.Pipeline;

namespace DataMesh.Core.Exchange;

// Deletion (docs/chunk-exchange.md, "Delete"). A storage peer records who claims each shard it stores (the owner tag
// of the Store) and keeps one pin per manifest it holds. A Delete carries the manifest and the owner's signature
// over its address; the peer verifies both, drops that manifest's pin, and for each listed shard (and the manifest
// itself) removes the owner's claim, deleting the shard only when that was the last claim and no remaining pin names
// it. Anyone can sign a manifest of their own that lists someone else's shards, but it removes only their own claims.
internal sealed partial class ChunkExchangeService
{
    private async Task DeleteAsync(Libp2pStream stream, ChunkRequestHeader header, CancellationToken cancellationToken)
    {
        if (header.PayloadLength <= DeleteAuthorization.SignatureLength)
        {
            await RespondAsync(stream, ChunkResponseStatus.BadRequest, "A Delete request carries the owner's signature and the manifest.", cancellationToken).ConfigureAwait(false);
            return;
        }
        byte[] body = ArrayPool<byte>.Shared.Rent(header.PayloadLength);
        try
        {
            Memory<byte> payload = body.AsMemory(0, header.PayloadLength);
            await ChunkExchangeCodec.ReadExactlyAsync(stream.Input, payload, cancellationToken).ConfigureAwait(false);
            (ChunkResponseStatus status, string message, int deleted) = await DeleteManifestAsync(new ManifestAddress(header.Hash),
                payload[..DeleteAuthorization.SignatureLength], payload[DeleteAuthorization.SignatureLength..], cancellationToken).ConfigureAwait(false);
            if (status != ChunkResponseStatus.Ok)
            {
                Log.DeleteRefused(_logger, stream.RemotePeer, header.Hash, message);
                await RespondAsync(stream, status, message, cancellationToken).ConfigureAwait(false);
                return;
            }
            Log.Deleted(_logger, header.Hash, deleted, stream.RemotePeer);
            ChunkExchangeCodec.WriteResponse(stream.Output, ChunkResponseStatus.Ok, string.Empty, sizeof(int));
            Memory<byte> count = stream.Output.GetMemory(sizeof(int));
            BinaryPrimitives.WriteInt32BigEndian(count.Span, deleted);
            stream.Output.Advance(sizeof(int));
            await stream.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    private async Task<(ChunkResponseStatus Status, string Message, int Deleted)> DeleteManifestAsync(ManifestAddress address,
        ReadOnlyMemory<byte> signature, ReadOnlyMemory<byte> encoded, CancellationToken cancellationToken)
    {
        Manifest manifest;
        try
        {
            manifest = ManifestCodec.Read(encoded.Span, address);
        }
        catch (StorageException error)
        {
            return (ChunkResponseStatus.BadRequest, $"The manifest is not valid: {error.Message}", 0);
        }
        if (!DeleteAuthorization.Verify(manifest.Owner, address, signature.Span))
        {
            return (ChunkResponseStatus.Forbidden, $"The delete is not signed by the file's owner {manifest.Owner.Fingerprint}.", 0);
        }
        int deleted = await ManifestDeletion.DeleteAsync(_store, _claims, address, manifest, DeletionScope.RemoteOwner, _logger, cancellationToken).ConfigureAwait(false);
        return (ChunkResponseStatus.Ok, string.Empty, deleted);
    }

    /// <summary>When a stored shard is a manifest (it starts with the manifest magic and verifies), pins what it lists,
    /// so that deleting another file never removes a shard this one needs. Shards that merely start with the
    /// magic bytes are ordinary ciphertext and are left alone.</summary>
    private async Task PinIfManifestAsync(ContentHash hash, ReadOnlyMemory<byte> shard, CancellationToken cancellationToken)
    {
        if (!ManifestShards.LooksLikeManifest(shard.Span))
        {
            return;
        }
        Manifest manifest;
        try
        {
            manifest = ManifestCodec.Read(shard.Span, new ManifestAddress(hash));
        }
        catch (StorageException)
        {
            return;
        }
        try
        {
            await _store.PinManifestAsync(new ManifestAddress(hash), manifest, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException error)
        {
            Log.PinFailed(_logger, hash, error.Message);
        }
    }
}
