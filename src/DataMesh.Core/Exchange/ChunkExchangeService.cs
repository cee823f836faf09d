using System.Buffers;
using DataMesh.Libp2p.Host;
using DataMesh.Storage;
using DataMesh.Storage.ChunkStore;
using DataMesh.Storage.Crypto;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Exchange;

/// <summary>Answers /datamesh/chunk/1.0.0 requests from the local chunk store. A node in client mode
/// (<paramref name="acceptStores"/> false) still serves what it has but stores nothing for others.</summary>
public sealed partial class ChunkExchangeService
{
    private readonly ChunkStore _store;
    private readonly bool _acceptStores;
    private readonly Action<ContentHash>? _stored;
    private readonly ILogger _logger;

    /// <param name="stored">Called after a shard from a peer is durably stored (e.g. to announce this node as a
    /// provider). Must not block: it is called on the request path.</param>
    public ChunkExchangeService(ChunkStore store, bool acceptStores, Action<ContentHash>? stored, ILogger logger)
    {
        _store = store;
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
        byte[] body = ArrayPool<byte>.Shared.Rent(header.PayloadLength);
        try
        {
            Memory<byte> shard = body.AsMemory(0, header.PayloadLength);
            await ChunkExchangeCodec.ReadExactlyAsync(stream.Input, shard, cancellationToken).ConfigureAwait(false);
            (ChunkResponseStatus status, string message) = await PutAsync(header.Hash, shard, cancellationToken).ConfigureAwait(false);
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
