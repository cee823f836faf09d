using System.Runtime.CompilerServices;
using System.Threading.Channels;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Kad;

public sealed partial class KadDht
{
    /// <summary>The k peers closest to <paramref name="key"/> (hashed with SHA-256) that answered, closest first.</summary>
    public async Task<IReadOnlyList<PeerId>> GetClosestPeersAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken) =>
        (await LookupAsync(key, cancellationToken).ConfigureAwait(false)).Closest;

    /// <summary>A FIND_NODE lookup for <paramref name="key"/> with its figures (hops, requests, failures).</summary>
    public Task<KadLookupResult> LookupAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken)
    {
        EnsureStarted();
        return LookupAsync(KadKey.Hash(key.Span), key, KadMessageType.FindNode, null, cancellationToken);
    }

    /// <summary>The addresses of a peer: from an open connection or the address book, else by a lookup.</summary>
    /// <exception cref="KadNotFoundException">No peer on the path knew the peer.</exception>
    public async Task<IReadOnlyList<Multiaddr>> FindPeerAsync(PeerId peer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peer);
        EnsureStarted();
        if (_host.IsConnected(peer) && _host.Peers.Get(peer)?.Addresses is { Count: > 0 } known)
        {
            return known;
        }
        bool found = false;
        await LookupAsync(KeyOf(peer), peer.Bytes, KadMessageType.FindNode, (from, response) =>
        {
            found = from.Equals(peer) || response.CloserPeers.Any(p => p.Id.Span.SequenceEqual(peer.Bytes.Span) && p.Addresses.Count > 0);
            return found;
        }, cancellationToken).ConfigureAwait(false);
        if (found && _host.Peers.Get(peer)?.Addresses is { Count: > 0 } addresses)
        {
            return addresses;
        }
        throw new KadNotFoundException($"Peer {peer} was not found in the DHT.");
    }

    /// <summary>Validates the record, keeps it locally (to republish) and stores it on the k closest peers.
    /// Returns how many of them accepted it.</summary>
    /// <exception cref="RecordRejectedException">Unknown namespace, invalid value, or too large.</exception>
    public async Task<int> PutValueAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        EnsureStarted();
        StoreIfBetter(key.Span, value.Span, isLocal: true);
        return await PutToClosestAsync(key, value, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> PutToClosestAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        KadLookupResult closest = await LookupAsync(KadKey.Hash(key.Span), key, KadMessageType.FindNode, null, cancellationToken).ConfigureAwait(false);
        var request = new KadMessage(KadMessageType.PutValue, key) { Record = new KadRecord(key, value) };
        bool[] accepted = await Task.WhenAll(closest.Closest.Select(peer => PutOneAsync(peer, request, cancellationToken))).ConfigureAwait(false);
        Records.MarkPublished(key.Span);
        return accepted.Count(a => a);
    }

    private async Task<bool> PutOneAsync(PeerId peer, KadMessage request, CancellationToken cancellationToken)
    {
        QueryOutcome outcome = await QueryAsync(peer, request, cancellationToken).ConfigureAwait(false);
        if (outcome.Error is not null)
        {
            Log.QueryFailed(_logger, peer, KadMessageType.PutValue, outcome.Error.Message);
        }
        return outcome.Response?.Record is { } echoed && echoed.Value.Span.SequenceEqual(request.Record!.Value.Span);
    }

    /// <summary>The best value for <paramref name="key"/> by its namespace's selector, among our copy and those of
    /// the peers on the lookup path; stops after <see cref="KadOptions.GetQuorum"/> valid answers. Peers that sent
    /// an older value are sent the best one.</summary>
    /// <exception cref="RecordRejectedException">The key's namespace has no validator.</exception>
    /// <exception cref="KadNotFoundException">Nobody returned a valid value.</exception>
    public async Task<byte[]> GetValueAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken)
    {
        EnsureStarted();
        IRecordValidator validator = Options.Validators.Resolve(key.Span);
        var found = new List<(PeerId? From, ReadOnlyMemory<byte> Value)>();
        if (Records.Get(key.Span) is { } local)
        {
            found.Add((null, local.Value));
        }
        if (found.Count < Options.GetQuorum)
        {
            await LookupAsync(KadKey.Hash(key.Span), key, KadMessageType.GetValue, (from, response) =>
            {
                if (response.Record is { } record && record.Key.Span.SequenceEqual(key.Span))
                {
                    try
                    {
                        validator.Validate(key.Span, record.Value.Span);
                        found.Add((from, record.Value));
                    }
                    catch (RecordRejectedException error)
                    {
                        Log.InvalidRecordReceived(_logger, from, error.Reason);
                    }
                }
                return found.Count >= Options.GetQuorum;
            }, cancellationToken).ConfigureAwait(false);
        }
        if (found.Count == 0)
        {
            throw new KadNotFoundException($"No value was found for '{RecordValidatorRegistry.KeyText(key.Span)}'.");
        }
        ReadOnlyMemory<byte> best = found[validator.Select(key.Span, [.. found.Select(f => f.Value)])].Value;
        var outdated = found.Where(f => f.From is not null && !f.Value.Span.SequenceEqual(best.Span)).Select(f => f.From!).ToList();
        if (outdated.Count > 0)
        {
            var correction = new KadMessage(KadMessageType.PutValue, key) { Record = new KadRecord(key, best) };
            await Task.WhenAll(outdated.Select(peer => PutOneAsync(peer, correction, cancellationToken))).ConfigureAwait(false);
        }
        return best.ToArray();
    }

    /// <summary>Announces this node as a provider of <paramref name="key"/> to the k closest peers (and keeps
    /// re-announcing it). Returns how many announcements were delivered. Content is best named by a binary CIDv1,
    /// the key form every implementation's handlers accept; it is placed by its multihash (<see cref="ProviderKey"/>).</summary>
    public async Task<int> ProvideAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken)
    {
        EnsureStarted();
        if (key.IsEmpty || key.Length > Options.CodecLimits.MaxKeyBytes)
        {
            throw new ArgumentException($"A provider key is 1 to {Options.CodecLimits.MaxKeyBytes} bytes.", nameof(key));
        }
        Providers.Add(key.Span, _host.PeerId, _host.GetAdvertisedAddresses(), isLocal: true);
        return await AnnounceAsync(key, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> AnnounceAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken)
    {
        // The closest peers are found by FIND_NODE of the content's multihash, the point go and js place it at (they
        // answer FIND_NODE by SHA-256 of the key sent); the announcement itself carries the key as given.
        KadLookupResult closest = await LookupAsync(ProviderKey.Position(key), ProviderKey.Content(key), KadMessageType.FindNode, null, cancellationToken).ConfigureAwait(false);
        var request = new KadMessage(KadMessageType.AddProvider, key) { ProviderPeers = [SelfWire()] };
        QueryOutcome[] sent = await Task.WhenAll(closest.Closest.Select(peer => QueryAsync(peer, request, cancellationToken))).ConfigureAwait(false);
        return sent.Count(s => s.Error is null);
    }

    /// <summary>Providers of <paramref name="key"/> as they are found (ours first), at most <paramref name="limit"/>.</summary>
    public async IAsyncEnumerable<ProviderInfo> FindProvidersAsync(ReadOnlyMemory<byte> key, int limit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        EnsureStarted();
        var seen = new HashSet<PeerId>();
        foreach (ProviderEntry entry in Providers.Get(key.Span))
        {
            if (seen.Count < limit && seen.Add(entry.Provider))
            {
                yield return new ProviderInfo(entry.Provider, entry.Provider.Equals(_host.PeerId) ? _host.GetAdvertisedAddresses() : entry.Addresses);
            }
        }
        if (seen.Count >= limit)
        {
            yield break;
        }
        var channel = Channel.CreateUnbounded<ProviderInfo>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task producer = ProduceProvidersAsync(key, limit, seen, channel.Writer, stop.Token);
        try
        {
            await foreach (ProviderInfo provider in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return provider;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await producer.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private async Task ProduceProvidersAsync(ReadOnlyMemory<byte> key, int limit, HashSet<PeerId> seen, ChannelWriter<ProviderInfo> writer, CancellationToken cancellationToken)
    {
        try
        {
            await LookupAsync(ProviderKey.Position(key), key, KadMessageType.GetProviders, (_, response) =>
            {
                foreach (KadPeerInfo info in response.ProviderPeers)
                {
                    if (seen.Count >= limit)
                    {
                        break;
                    }
                    if (TryParsePeer(info, out PeerId? provider, out List<Multiaddr> addresses) && seen.Add(provider))
                    {
                        if (addresses.Count > 0 && !provider.Equals(_host.PeerId))
                        {
                            _host.Peers.AddAddresses(provider, addresses);
                        }
                        writer.TryWrite(new ProviderInfo(provider, addresses));
                    }
                }
                return seen.Count >= limit;
            }, cancellationToken).ConfigureAwait(false);
            writer.TryComplete();
        }
        catch (Exception error)
        {
            writer.TryComplete(error);
            throw;
        }
    }

    private void EnsureStarted()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Volatile.Read(ref _started) == 0)
        {
            throw new InvalidOperationException("Call StartAsync before using the DHT.");
        }
    }
}
