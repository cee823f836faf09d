using System.Buffers;
using DataMesh.Libp2p.Host;
using DataMesh.Storage;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.ChunkStore;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Exchange;

/// <summary>Answers /datamesh/chunk/1.0.0 requests from the local chunk store, recording who claims each stored shard. A node in client mode
/// (<paramref name="acceptStores"/> false) still serves what it has but stores nothing for others.</summary>
internal sealed partial class ChunkExchangeService
{
    private readonly ChunkStore _store;
    private readonly ShardClaims _claims;
    private readonly bool _acceptStores;
    private readonly Action<ContentHash>? _stored;
    private readonly ILogger _logger;

    /// <param name="claims">Who claims each shard this node stores for others; a Delete removes only the deleter's claim.</param>
    /// <param name="stored">Called after a shard from a peer is durably stored (e.g. to announce this node as a
    /// provider). Must not block: it is called on the request path.</param>
    public ChunkExchangeService(ChunkStore store, ShardClaims claims, bool acceptStores, Action<ContentHash>? stored, ILogger logger)
    {
        _store = store;
        _claims = claims;
        _acceptStores = acceptStores;
        _stored = stored;
        _logger = logger;
    }

    public void Register(Libp2pHost host) => host.SetStreamHandler(ChunkExchangeProtocol.ProtocolId, HandleAsync);

    internal async Task HandleAsync(Libp2pStream stream, CancellationToken cancellationToken)
    {
        ChunkRequestHeader? request;
        try
        {
            request = await ChunkExchangeCodec.ReadRequestAsync(stream.Input, cancellationToken).ConfigureAwait(false);
        }
        catch (ChunkProtocolException error)
        {
            Log.BadRequest(_logger, stream.RemotePeer, error.Message);
            await RespondAsync(stream, ChunkResponseStatus.BadRequest, error.Message, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (request is not { } header)
        {
            return;
        }
        switch (header.Type)
        {
            case ChunkRequestType.Store:
                await StoreAsync(stream, header, cancellationToken).ConfigureAwait(false);
                break;
            case ChunkRequestType.Fetch:
                await FetchAsync(stream, header, cancellationToken).ConfigureAwait(false);
                break;
            case ChunkRequestType.Have:
                await HaveAsync(stream, header, cancellationToken).ConfigureAwait(false);
                break;
            case ChunkRequestType.Delete:
                await DeleteAsync(stream, header, cancellationToken).ConfigureAwait(false);
                break;
        }
        await stream.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task StoreAsync(Libp2pStream stream, ChunkRequestHeader header, CancellationToken cancellationToken)
    {
        if (!_acceptStores)
        {
            await RespondAsync(stream, ChunkResponseStatus.NotAStorageNode, "This node runs in client mode and stores nothing for others.", cancellationToken).ConfigureAwait(false);
            return;
        }
        if (_store.UsedBytes + header.PayloadLength > _store.Capacity && !_store.Contains(header.Hash))
        {
            await RespondAsync(stream, ChunkResponseStatus.OverQuota,
                $"Storage quota reached: {_store.UsedBytes} of {_store.Capacity} bytes used, {header.PayloadLength} more needed.", cancellationToken).ConfigureAwait(false);
            return;
        }
        bool tagged = header.Flags.HasFlag(ChunkRequestFlags.OwnerTag);
        int length = header.PayloadLength + (tagged ? OwnerTag.Size : 0);
        // The whole body is read next: let the sender send all of it now instead of stalling a round trip after the
        // 256 KiB every stream starts with (on a 50 ms link that stall was ~30 ms of each store, docs/transfers.md).
        stream.TryGrowReceiveWindow(length);
        byte[] body = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            await ChunkExchangeCodec.ReadExactlyAsync(stream.Input, body.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            ReadOnlyMemory<byte> shard = body.AsMemory(0, header.PayloadLength);
            OwnerTag? owner = tagged ? OwnerTag.FromBytes(body.AsSpan(header.PayloadLength, OwnerTag.Size)) : null;
            (ChunkResponseStatus status, string message) = await PutClaimedAsync(header.Hash, shard, owner, cancellationToken).ConfigureAwait(false);
            await RespondAsync(stream, status, message, cancellationToken).ConfigureAwait(false);
            if (status == ChunkResponseStatus.Ok)
            {
                await PinIfManifestAsync(header.Hash, shard, cancellationToken).ConfigureAwait(false);
                _stored?.Invoke(header.Hash);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    /// <summary>Stores the shard and records the owner's claim under the shard's claims lease, so a concurrent Delete
    /// cannot remove the last other claim and the shard between this store's write and its claim. An untagged
    /// store (an older client) takes the lease too but records no claim.</summary>
    private async Task<(ChunkResponseStatus, string)> PutClaimedAsync(ContentHash hash, ReadOnlyMemory<byte> shard, OwnerTag? owner,
        CancellationToken cancellationToken)
    {
        try
        {
            using ShardClaimLease lease = await _claims.AcquireAsync(hash, cancellationToken).ConfigureAwait(false);
            if (owner is { } tag && !lease.CanClaim(tag))
            {
                return (ChunkResponseStatus.TooManyClaims,
                    $"Shard {hash} already has the maximum of {_claims.MaxOwnersPerShard} owner claims on this peer; store it elsewhere.");
            }
            (ChunkResponseStatus status, string message) = await PutAsync(hash, shard, cancellationToken).ConfigureAwait(false);
            if (status == ChunkResponseStatus.Ok && owner is { } claimant)
            {
                await lease.AddAsync(claimant, cancellationToken).ConfigureAwait(false);
            }
            return (status, message);
        }
        catch (ShardClaimsException error)
        {
            Log.StoreFailed(_logger, hash, error.Message);
            return (ChunkResponseStatus.InternalError, "The owner claim could not be recorded.");
        }
    }

    private async Task<(ChunkResponseStatus, string)> PutAsync(ContentHash hash, ReadOnlyMemory<byte> shard, CancellationToken cancellationToken)
    {
        try
        {
            await _store.PutAsync(hash, shard, cancellationToken).ConfigureAwait(false);
            return (ChunkResponseStatus.Ok, string.Empty);
        }
        catch (ShardHashMismatchException error)
        {
            return (ChunkResponseStatus.HashMismatch, error.Message);
        }
        catch (StoreFullException error)
        {
            return (ChunkResponseStatus.OverQuota, error.Message);
        }
        catch (ShardTooLargeException error)
        {
            return (ChunkResponseStatus.TooLarge, error.Message);
        }
        catch (StorageException error)
        {
            Log.StoreFailed(_logger, hash, error.Message);
            return (ChunkResponseStatus.InternalError, "The shard could not be stored.");
        }
    }

    private async Task FetchAsync(Libp2pStream stream, ChunkRequestHeader header, CancellationToken cancellationToken)
    {
        ShardBuffer? shard;
        try
        {
            shard = await _store.TryGetAsync(header.Hash, cancellationToken).ConfigureAwait(false);
        }
        catch (CorruptShardException error)
        {
            // The store removed the corrupt copy; to the asker it is simply not here any more.
            Log.CorruptShard(_logger, header.Hash, error.Message);
            shard = null;
        }
        if (shard is null)
        {
            await RespondAsync(stream, ChunkResponseStatus.NotFound, string.Empty, cancellationToken).ConfigureAwait(false);
            return;
        }
        using (shard)
        {
            ChunkExchangeCodec.WriteResponse(stream.Output, ChunkResponseStatus.Ok, string.Empty, shard.Length);
            await stream.Output.WriteAsync(shard.Memory, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task HaveAsync(Libp2pStream stream, ChunkRequestHeader header, CancellationToken cancellationToken)
    {
        if (header.PayloadLength % ContentHash.Size != 0)
        {
            await RespondAsync(stream, ChunkResponseStatus.BadRequest, "A Have request must list whole 32-byte hashes.", cancellationToken).ConfigureAwait(false);
            return;
        }
        byte[] hashes = new byte[header.PayloadLength];
        await ChunkExchangeCodec.ReadExactlyAsync(stream.Input, hashes, cancellationToken).ConfigureAwait(false);
        int count = hashes.Length / ContentHash.Size;
        byte[] answer = new byte[count];
        for (int i = 0; i < count; i++)
        {
            answer[i] = _store.Contains(ContentHash.FromBytes(hashes.AsSpan(i * ContentHash.Size, ContentHash.Size))) ? (byte)1 : (byte)0;
        }
        ChunkExchangeCodec.WriteResponse(stream.Output, ChunkResponseStatus.Ok, string.Empty, count);
        await stream.Output.WriteAsync(answer, cancellationToken).ConfigureAwait(false);
    }

    private static async Task RespondAsync(Libp2pStream stream, ChunkResponseStatus status, string message, CancellationToken cancellationToken)
    {
        ChunkExchangeCodec.WriteResponse(stream.Output, status, message, payloadLength: 0);
        await stream.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
