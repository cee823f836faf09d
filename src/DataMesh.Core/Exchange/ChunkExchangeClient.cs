using System.Buffers;
using DataMesh.Core.Transfers;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Keys;

namespace DataMesh.Core.Exchange;

/// <summary>The asking side of /datamesh/chunk/1.0.0: one stream per request, every answer bounded and checked.</summary>
internal sealed partial class ChunkExchangeClient
{
    /// <summary>
    /// Every request opens its own stream, so the negotiation round trip would be paid per shard (50 ms over a
    /// 25 ms link, a quarter of a 1 MiB shard's transfer time at 50 Mbit/s). A peer whose Identify listed the
    /// protocol gets the proposal together with the request instead; a refusal still surfaces as
    /// <see cref="Libp2p.Multistream.ProtocolNegotiationException"/>, on reading the answer.
    /// </summary>
    internal static readonly StreamOpenOptions RequestStream = new() { Optimistic = true };

    private readonly Libp2pHost _host;
    private readonly OwnerTag? _owner;

    /// <param name="owner">The user whose claim every store records (their signing key as an owner tag), so only
    /// their signed Delete can remove what they stored; null stores without a claim, as clients before claims did.</param>
    public ChunkExchangeClient(Libp2pHost host, PublicIdentity? owner = null)
    {
        _host = host;
        _owner = owner is null ? null : OwnerTag.Of(owner);
    }

    /// <summary>Stores a shard on a peer, with this client's owner claim if it has an owner; returns once the peer
    /// acknowledged it (and the claim) durably.</summary>
    /// <exception cref="ShardRejectedException">The peer refused it, with its reason.</exception>
    public async Task StoreAsync(PeerId peer, ContentHash shard, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (data.Length > ChunkExchangeProtocol.MaxShardBytes)
        {
            throw new ArgumentException($"A shard of {data.Length} bytes exceeds the protocol limit of {ChunkExchangeProtocol.MaxShardBytes}.", nameof(data));
        }
        Libp2pStream stream = await _host.OpenStreamAsync(peer, ChunkExchangeProtocol.ProtocolId, RequestStream, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            ChunkRequestFlags flags = _owner is null ? ChunkRequestFlags.None : ChunkRequestFlags.OwnerTag;
            ChunkExchangeCodec.WriteRequest(stream.Output, new ChunkRequestHeader(ChunkRequestType.Store, shard, data.Length, flags));
            stream.Output.Write(data.Span);
            if (_owner is { } owner)
            {
                // After the shard, outside payloadLength: a peer that predates claims stores the shard and never reads it.
                owner.WriteTo(stream.Output.GetSpan(OwnerTag.Size));
                stream.Output.Advance(OwnerTag.Size);
            }
            await stream.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
            ChunkResponseHeader response = await ChunkExchangeCodec.ReadResponseAsync(stream.Input, maxPayload: 0, cancellationToken).ConfigureAwait(false);
            if (response.Status != ChunkResponseStatus.Ok)
            {
                throw new ShardRejectedException(peer, shard, ToReason(response.Status), Describe(response));
            }
        }
    }

    /// <summary>Fetches a shard into <paramref name="destination"/>; returns its length. The caller verifies the hash.</summary>
    /// <exception cref="ShardNotFoundException">The peer does not hold it.</exception>
    public async Task<int> FetchAsync(PeerId peer, ContentHash shard, Memory<byte> destination, CancellationToken cancellationToken)
    {
        Libp2pStream stream = await RequestFetchAsync(peer, shard, destination.Length, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            int length = await ReadFetchAnswerAsync(stream, peer, shard, destination.Length, cancellationToken).ConfigureAwait(false);
            await ChunkExchangeCodec.ReadExactlyAsync(stream.Input, destination[..length], cancellationToken).ConfigureAwait(false);
            return length;
        }
    }

    /// <summary>Fetches a blob of unknown length (a manifest), at most <paramref name="maxLength"/> bytes: the answer's
    /// announced length is checked against it before the blob is allocated. The caller verifies the hash.</summary>
    /// <exception cref="ShardNotFoundException">The peer does not hold it.</exception>
    public async Task<byte[]> FetchBlobAsync(PeerId peer, ContentHash address, int maxLength, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxLength, ChunkExchangeProtocol.MaxShardBytes);
        Libp2pStream stream = await RequestFetchAsync(peer, address, maxLength, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            int length = await ReadFetchAnswerAsync(stream, peer, address, maxLength, cancellationToken).ConfigureAwait(false);
            byte[] blob = new byte[length];
            await ChunkExchangeCodec.ReadExactlyAsync(stream.Input, blob, cancellationToken).ConfigureAwait(false);
            return blob;
        }
    }

    private async Task<Libp2pStream> RequestFetchAsync(PeerId peer, ContentHash shard, int maxLength, CancellationToken cancellationToken)
    {
        // The whole answer fits the window granted with the stream's opening frame, so the peer sends it at link
        // speed without waiting for window updates (from the usual 256 KiB a 1 MiB shard needs several round trips).
        var options = RequestStream with { ReceiveWindow = FetchWindow(maxLength) };
        Libp2pStream stream = await _host.OpenStreamAsync(peer, ChunkExchangeProtocol.ProtocolId, options, cancellationToken).ConfigureAwait(false);
        try
        {
            ChunkExchangeCodec.WriteRequest(stream.Output, new ChunkRequestHeader(ChunkRequestType.Fetch, shard, 0));
            await stream.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
            return stream;
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Reads a Fetch answer's header; returns the payload length (at most <paramref name="maxLength"/>) that follows.</summary>
    private static async Task<int> ReadFetchAnswerAsync(Libp2pStream stream, PeerId peer, ContentHash shard, int maxLength, CancellationToken cancellationToken)
    {
        ChunkResponseHeader response = await ChunkExchangeCodec.ReadResponseAsync(stream.Input, maxLength, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            ChunkResponseStatus.Ok => response.PayloadLength,
            ChunkResponseStatus.NotFound => throw new ShardNotFoundException(peer, shard),
            _ => throw new ChunkProtocolException($"Peer {peer} could not serve shard {shard}: {Describe(response)}."),
        };
    }

    /// <summary>Asks which of <paramref name="shards"/> a peer holds.</summary>
    public async Task<bool[]> HaveAsync(PeerId peer, IReadOnlyList<ContentHash> shards, CancellationToken cancellationToken)
    {
        if (shards.Count > ChunkExchangeProtocol.MaxHaveQuery)
        {
            throw new ArgumentException($"At most {ChunkExchangeProtocol.MaxHaveQuery} shards can be asked about at once.", nameof(shards));
        }
        Libp2pStream stream = await _host.OpenStreamAsync(peer, ChunkExchangeProtocol.ProtocolId, RequestStream, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
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
    }

    /// <summary>The receive window that holds a whole Fetch answer of at most <paramref name="shardLength"/> bytes.</summary>
    internal static int FetchWindow(int shardLength) =>
        ChunkExchangeProtocol.ResponseHeaderSize + ChunkExchangeProtocol.MaxMessageBytes + Math.Min(shardLength, ChunkExchangeProtocol.MaxShardBytes);

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
