using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;

namespace DataMesh.Libp2p.Kad;

public sealed partial class KadDht
{
    /// <summary>Runs one iterative lookup towards <paramref name="target"/>, sending <paramref name="type"/> requests
    /// for <paramref name="wireKey"/>; <paramref name="onResponse"/> sees every answer and returns true to stop early.
    /// The protocol logic lives in <see cref="ClosestPeersLookup{TPeer}"/>; this drives it over the network.</summary>
    private async Task<KadLookupResult> LookupAsync(
        KadKey target,
        ReadOnlyMemory<byte> wireKey,
        KadMessageType type,
        Func<PeerId, KadMessage, bool>? onResponse,
        CancellationToken cancellationToken)
    {
        var lookup = new ClosestPeersLookup<PeerId>(
            target,
            Table.NearestPeers(target, Options.BucketSize).Select(p => (p, KeyOf(p))),
            Options.Lookup);
        Table.MarkRefreshed(Table.BucketIndexOf(target));
        var request = new KadMessage(type, wireKey);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
        var pending = new List<Task<QueryOutcome>>(Options.Alpha);
        bool stopped = false;
        try
        {
            while (!stopped)
            {
                foreach (PeerId peer in lookup.NextRequests(_time.GetUtcNow()))
                {
                    pending.Add(QueryAsync(peer, request, stop.Token));
                }
                if (lookup.IsFinished || pending.Count == 0)
                {
                    break;
                }
                Task<QueryOutcome> done = await Task.WhenAny(pending).ConfigureAwait(false);
                pending.Remove(done);
                QueryOutcome outcome = await done.ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                if (outcome.Response is { } response)
                {
                    lookup.OnResponse(outcome.Peer, AcceptPeers(response.CloserPeers));
                    AddToTable(outcome.Peer); // it answered on our protocol, so it is a DHT server
                    Table.MarkSeen(outcome.Peer);
                    stopped = onResponse?.Invoke(outcome.Peer, response) ?? false;
                }
                else
                {
                    lookup.OnFailure(outcome.Peer);
                    if (outcome.Error is PeerUnreachableException)
                    {
                        RemoveFromTable(outcome.Peer); // dead: make room for live peers
                    }
                    Log.QueryFailed(_logger, outcome.Peer, type, outcome.Error?.Message ?? "no answer");
                }
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(pending).ConfigureAwait(false); // QueryAsync never throws
        }
        cancellationToken.ThrowIfCancellationRequested();
        return new KadLookupResult(lookup.ClosestSucceeded(), lookup.Hops, lookup.RequestsSent, lookup.Failures);
    }

    private async Task<QueryOutcome> QueryAsync(PeerId peer, KadMessage request, CancellationToken cancellationToken)
    {
        try
        {
            KadMessage? response = await SendAsync(peer, request, cancellationToken).ConfigureAwait(false);
            return new QueryOutcome(peer, response, null);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            return new QueryOutcome(peer, null, error);
        }
    }

    private readonly record struct QueryOutcome(PeerId Peer, KadMessage? Response, Exception? Error);
}
