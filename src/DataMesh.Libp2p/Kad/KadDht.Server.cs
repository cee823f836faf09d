using System.Globalization;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Protocols;

namespace DataMesh.Libp2p.Kad;

public sealed partial class KadDht
{
    /// <summary>Answers requests on an inbound stream one after another until the peer closes it (js reuses
    /// streams), within the per-peer and total in-flight caps.</summary>
    private async Task HandleInboundStreamAsync(Libp2pStream stream, CancellationToken cancellationToken)
    {
        PeerId peer = stream.RemotePeer;
        if (!_limiter.TryEnter(peer))
        {
            Log.InboundThrottled(_logger, peer);
            stream.Reset();
            return;
        }
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
            while (true)
            {
                KadMessage request;
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(linked.Token))
                {
                    idle.CancelAfter(Options.InboundIdleTimeout);
                    using RentedBuffer? frame = await LengthPrefixedMessage.ReadAsync(stream.Input, Options.MaxMessageBytes, idle.Token).ConfigureAwait(false);
                    if (frame is null)
                    {
                        break;
                    }
                    request = KadMessageCodec.Decode(frame.Span, Options.CodecLimits);
                }
                KadMessage? response = HandleRequest(peer, request);
                if (response is not null)
                {
                    await WriteMessageAsync(stream, response, linked.Token).ConfigureAwait(false);
                }
            }
            await stream.CloseWriteAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception error) when (error is Libp2pException or OperationCanceledException or IOException)
        {
            // Bad message, refused record, idle or closing: this stream ends; the peer and the node carry on.
            Log.InboundFailed(_logger, peer, error.Message);
            stream.Reset();
        }
        finally
        {
            _limiter.Exit(peer);
        }
    }

    /// <summary>The answer to one request, or null when the RPC has none (ADD_PROVIDER).</summary>
    /// <exception cref="RecordRejectedException">A PUT_VALUE we refuse; the stream is reset, as go does.</exception>
    internal KadMessage? HandleRequest(PeerId from, KadMessage request)
    {
        switch (request.Type)
        {
            case KadMessageType.Ping:
                return new KadMessage(KadMessageType.Ping, ReadOnlyMemory<byte>.Empty);
            case KadMessageType.FindNode:
                return new KadMessage(KadMessageType.FindNode, request.Key) { CloserPeers = CloserPeersFor(request.Key.Span, from, findNode: true) };
            case KadMessageType.GetValue:
                return AnswerGetValue(from, request);
            case KadMessageType.PutValue:
                AcceptPutValue(request);
                return request; // the echo is the acknowledgement
            case KadMessageType.AddProvider:
                AcceptAddProvider(from, request);
                return null;
            case KadMessageType.GetProviders:
                return AnswerGetProviders(from, request);
            default:
                throw new KadProtocolException($"Unsupported message type {request.Type}.");
        }
    }

    private KadMessage AnswerGetValue(PeerId from, KadMessage request)
    {
        RequireKey(request);
        KadRecord? record = null;
        if (Records.Get(request.Key.Span) is { } stored)
        {
            record = new KadRecord(stored.Key, stored.Value, stored.ReceivedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        }
        return new KadMessage(KadMessageType.GetValue, request.Key)
        {
            Record = record,
            CloserPeers = CloserPeersFor(request.Key.Span, from, findNode: false),
        };
    }

    private void AcceptPutValue(KadMessage request)
    {
        RequireKey(request);
        KadRecord record = request.Record ?? throw new KadProtocolException("PUT_VALUE without a record.");
        if (!record.Key.Span.SequenceEqual(request.Key.Span))
        {
            throw new KadProtocolException("PUT_VALUE whose record key differs from the message key.");
        }
        StoreIfBetter(record.Key.Span, record.Value.Span, isLocal: false);
    }

    /// <summary>Validates and stores a record unless the one already held is better by the namespace's selector.</summary>
    private void StoreIfBetter(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool isLocal)
    {
        if (value.Length > Options.MaxRecordValueBytes)
        {
            throw new RecordRejectedException(RecordValidatorRegistry.KeyText(key), $"the value is {value.Length} bytes; the limit is {Options.MaxRecordValueBytes}");
        }
        IRecordValidator validator = Options.Validators.Resolve(key);
        validator.Validate(key, value);
        if (Records.Get(key) is { } existing && !existing.Value.Span.SequenceEqual(value)
            && validator.Select(key, [value.ToArray(), existing.Value]) != 0)
        {
            // Publishing or accepting an older version would roll the record back (a stale seq, a replay).
            throw new RecordRejectedException(RecordValidatorRegistry.KeyText(key), "a better record is already stored");
        }
        Records.Put(key, value, isLocal);
    }

    private void AcceptAddProvider(PeerId from, KadMessage request)
    {
        RequireKey(request);
        foreach (KadPeerInfo info in request.ProviderPeers)
        {
            if (!TryParsePeer(info, out PeerId? provider, out List<Multiaddr> addresses) || !provider.Equals(from))
            {
                continue; // a peer may only announce itself
            }
            if (addresses.Count > 0)
            {
                _host.Peers.AddAddresses(provider, addresses);
            }
            Providers.Add(request.Key.Span, provider, addresses, isLocal: false);
        }
    }

    private KadMessage AnswerGetProviders(PeerId from, KadMessage request)
    {
        RequireKey(request);
        var providers = new List<KadPeerInfo>();
        foreach (ProviderEntry entry in Providers.Get(request.Key.Span).Take(Options.MaxProvidersPerResponse))
        {
            if (entry.Provider.Equals(_host.PeerId))
            {
                providers.Add(SelfWire());
                continue;
            }
            IReadOnlyList<Multiaddr> addresses = entry.Addresses.Count > 0 ? entry.Addresses : _host.Peers.Get(entry.Provider)?.Addresses ?? [];
            providers.Add(new KadPeerInfo(entry.Provider.Bytes, [.. addresses.Select(a => a.Bytes)]));
        }
        return new KadMessage(KadMessageType.GetProviders, request.Key)
        {
            ProviderPeers = providers,
            CloserPeers = CloserPeersFor(ProviderKey.Position(request.Key), from, sought: null),
        };
    }

    /// <summary>The k peers of our table closest to the key, never the requester; for FIND_NODE of a peer we know
    /// (or of ourselves) that peer comes first, so the lookup can end at once.</summary>
    private List<KadPeerInfo> CloserPeersFor(ReadOnlySpan<byte> key, PeerId requester, bool findNode)
    {
        PeerId? sought = null;
        if (findNode)
        {
            try
            {
                sought = PeerId.FromBytes(key);
            }
            catch (Libp2pException)
            {
                sought = null;
            }
        }
        return CloserPeersFor(KadKey.Hash(key), requester, sought);
    }

    /// <summary>The k peers of our table closest to <paramref name="target"/>, never the requester; a known
    /// <paramref name="sought"/> peer first.</summary>
    private List<KadPeerInfo> CloserPeersFor(KadKey target, PeerId requester, PeerId? sought)
    {
        var closer = new List<KadPeerInfo>(Options.BucketSize + 1);
        if (sought is not null && !sought.Equals(requester) && ToWire(sought) is { } known && (sought.Equals(_host.PeerId) || _host.IsConnected(sought) || Table.Contains(sought)))
        {
            closer.Add(known);
        }
        foreach (PeerId peer in Table.NearestPeers(target, Options.BucketSize, p => p.Equals(requester) || p.Equals(sought)))
        {
            if (ToWire(peer) is { } wire)
            {
                closer.Add(wire);
            }
        }
        return closer;
    }

    private static void RequireKey(KadMessage request)
    {
        if (request.Key.IsEmpty)
        {
            throw new KadProtocolException($"{request.Type} without a key.");
        }
    }
}
