using DataMesh.Core.Transfers;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Crypto;

namespace DataMesh.Core.Exchange;

/// <summary>The asking side of /datamesh/chunk/1.0.0: one stream per request, every answer bounded and checked.</summary>
public sealed partial class ChunkExchangeClient
{
    private readonly Libp2pHost _host;

    public ChunkExchangeClient(Libp2pHost host) => _host = host;

    /// <summary>Stores a shard on a peer; returns once the peer acknowledged it durably.</summary>
    /// <exception cref="ShardRejectedException">The peer refused it, with its reason.</exception>
    public async Task StoreAsync(PeerId peer, ContentHash shard, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (data.Length > ChunkExchangeProtocol.MaxShardBytes)
        {
            throw new ArgumentException($"A shard of {data.Length} bytes exceeds the protocol limit of {ChunkExchangeProtocol.MaxShardBytes}.", nameof(data));
        }
        await using Libp2pStream stream = await _host.OpenStreamAsync(peer, ChunkExchangeProtocol.ProtocolId, cancellationToken).ConfigureAwait(false);
        ChunkExchangeCodec.WriteRequest(stream.Output, new ChunkRequestHeader(ChunkRequestType.Store, shard, data.Length));
        await stream.Output.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        ChunkResponseHeader response = await ChunkExchangeCodec.ReadResponseAsync(stream.Input, maxPayload: 0, cancellationToken).ConfigureAwait(false);
        if (response.Status != ChunkResponseStatus.Ok)
        {
            throw new ShardRejectedException(peer, shard, ToReason(response.Status), Describe(response));
        }
    }

    /// <summary>Fetches a shard into <paramref name="destination"/>; returns its length. The caller verifies the hash.</summary>
    /// <exception cref="ShardNotFoundException">The peer does not hold it.</exception>
    public async Task<int> FetchAsync(PeerId peer, ContentHash shard, Memory<byte> destination, CancellationToken cancellationToken)
    {
        await using Libp2pStream stream = await _host.OpenStreamAsync(peer, ChunkExchangeProtocol.ProtocolId, cancellationToken).ConfigureAwait(false);
        ChunkExchangeCodec.WriteRequest(stream.Output, new ChunkRequestHeader(ChunkRequestType.Fetch, shard, 0));
        await stream.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        ChunkResponseHeader response = await ChunkExchangeCodec.ReadResponseAsync(stream.Input, destination.Length, cancellationToken).ConfigureAwait(false);
        switch (response.Status)
        {
            case ChunkResponseStatus.Ok:
                await ChunkExchangeCodec.ReadExactlyAsync(stream.Input, destination[..response.PayloadLength], cancellationToken).ConfigureAwait(false);
                return response.PayloadLength;
            case ChunkResponseStatus.NotFound:
                throw new ShardNotFoundException(peer, shard);
            default:
                throw new ChunkProtocolException($"Peer {peer} could not serve shard {shard}: {Describe(response)}.");
        }
    }

    /// <summary>Asks which of <paramref name="shards"/> a peer holds.</summary>
    public async Task<bool[]> HaveAsync(PeerId peer, IReadOnlyList<ContentHash> shards, CancellationToken cancellationToken)
    {
        if (shards.Count > ChunkExchangeProtocol.MaxHaveQuery)
        {
            throw new ArgumentException($"At most {ChunkExchangeProtocol.MaxHaveQuery} shards can be asked about at once.", nameof(shards));
        }
        await using Libp2pStream stream = await _host.OpenStreamAsync(peer, ChunkExchangeProtocol.ProtocolId, cancellationToken).ConfigureAwait(false);
        byte[] query = new byte[shards.Count * ContentHash.Size];
        for (int i = 0; i < shards.Count; i++)
        {
            shards[i].WriteTo(query.AsSpan(i * ContentHash.Size, ContentHash.Size));
        }
        ChunkExchangeCodec.WriteRequest(stream.Output, new ChunkRequestHeader(ChunkRequestType.Have, default, query.Length));
        await stream.Output.WriteAsync(query, cancellationToken).ConfigureAwait(false);
        ChunkResponseHeader response = await ChunkExchangeCodec.ReadResponseAsync(stream.Input, shards.Count, cancellationToken).ConfigureAwait(false);
        if (response.Status != ChunkResponseStatus.Ok || response.PayloadLength != shards.Count)
        {
            throw new ChunkProtocolException($"Peer {peer} did not answer which shards it holds: {Describe(response)}.");
        }
        byte[] answer = new byte[shards.Count];
        await ChunkExchangeCodec.ReadExactlyAsync(stream.Input, answer, cancellationToken).ConfigureAwait(false);
        return [.. answer.Select(b => b == 1)];
    }

    private static ShardRejectionReason ToReason(ChunkResponseStatus status) => status switch
    {
        ChunkResponseStatus.OverQuota => ShardRejectionReason.OverQuota,
        ChunkResponseStatus.TooLarge => ShardRejectionReason.TooLarge,
        ChunkResponseStatus.HashMismatch => ShardRejectionReason.HashMismatch,
        _ => ShardRejectionReason.Other,
    };

    private static string Describe(ChunkResponseHeader response) =>
        string.IsNullOrEmpty(response.Message) ? response.Status.ToString() : $"{response.Status}: {response.Message}";
}
