using System.Buffers;
using System.Buffers.Binary;
using DataMesh.Core.Transfers;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Exchange;

internal sealed partial class ChunkExchangeClient
{
    /// <summary>Asks a peer to delete a file: the manifest at <paramref name="address"/> and the shards it lists that
    /// the peer holds and no other file it knows of needs. Returns how many shards the peer deleted.</summary>
    /// <param name="encodedManifest">The manifest's bytes (they must hash to <paramref name="address"/>).</param>
    /// <param name="signature">The owner's consent, from <see cref="DeleteAuthorization.Sign"/>.</param>
    /// <exception cref="DeleteRefusedException">The peer refused (not the owner's signature, an older peer that does
    /// not know the request, not a storage node).</exception>
    public async Task<int> DeleteAsync(PeerId peer, ManifestAddress address, ReadOnlyMemory<byte> encodedManifest, ReadOnlyMemory<byte> signature,
        CancellationToken cancellationToken)
    {
        if (signature.Length != DeleteAuthorization.SignatureLength)
        {
            throw new ArgumentException($"A delete signature is {DeleteAuthorization.SignatureLength} bytes.", nameof(signature));
        }
        if (encodedManifest.IsEmpty || encodedManifest.Length > ChunkExchangeProtocol.MaxShardBytes)
        {
            throw new ArgumentException($"A manifest of {encodedManifest.Length} bytes cannot be sent (1..{ChunkExchangeProtocol.MaxShardBytes}).", nameof(encodedManifest));
        }
        Libp2pStream stream = await _host.OpenStreamAsync(peer, ChunkExchangeProtocol.ProtocolId, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            ChunkExchangeCodec.WriteRequest(stream.Output, new ChunkRequestHeader(ChunkRequestType.Delete, address.Hash, signature.Length + encodedManifest.Length));
            stream.Output.Write(signature.Span);
            await stream.Output.WriteAsync(encodedManifest, cancellationToken).ConfigureAwait(false);
            ChunkResponseHeader response = await ChunkExchangeCodec.ReadResponseAsync(stream.Input, sizeof(int), cancellationToken).ConfigureAwait(false);
            if (response.Status != ChunkResponseStatus.Ok)
            {
                string reason = response.Status == ChunkResponseStatus.BadRequest && response.Message.StartsWith("Unknown request type", StringComparison.Ordinal)
                    ? "the peer runs a version without delete support"
                    : Describe(response);
                throw new DeleteRefusedException(peer, address, response.Status, reason);
            }
            if (response.PayloadLength != sizeof(int))
            {
                throw new ChunkProtocolException($"Peer {peer} answered a delete with {response.PayloadLength} bytes instead of a {sizeof(int)}-byte count.");
            }
            byte[] count = new byte[sizeof(int)];
            await ChunkExchangeCodec.ReadExactlyAsync(stream.Input, count, cancellationToken).ConfigureAwait(false);
            return Math.Max(0, BinaryPrimitives.ReadInt32BigEndian(count));
        }
    }
}

/// <summary>A peer refused to delete a file, with its reason.</summary>
internal sealed class DeleteRefusedException : PeerRefusedException
{
    public DeleteRefusedException(PeerId peer, ManifestAddress address, ChunkResponseStatus status, string reason)
        : base($"Peer {peer} refused to delete {address}: {reason}.")
    {
        Peer = peer;
        Status = status;
    }

    public PeerId Peer { get; }

    public ChunkResponseStatus Status { get; }
}
