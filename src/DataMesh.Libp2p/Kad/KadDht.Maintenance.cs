using DataMesh.Libp2p.Multiformats;
using Microsoft.Extensions.Logging;

namespace DataMesh.Libp2p.Kad;

public sealed partial class KadDht
{
    private DateTimeOffset _lastRandomWalk = DateTimeOffset.MinValue;
    private DateTimeOffset _lastSelfLookup = DateTimeOffset.MinValue;
    private DateTimeOffset _lastProviderRepublish = DateTimeOffset.MinValue;

    /// <summary>Buckets refreshed per maintenance tick at most, so one tick never floods the network.</summary>
    private const int MaxBucketRefreshesPerTick = 8;

    private async Task MaintenanceLoopAsync(CancellationToken cancellationToken)
    {
        _lastProviderRepublish = _time.GetUtcNow();
        _lastSelfLookup = _time.GetUtcNow();
        _lastRandomWalk = _time.GetUtcNow();
        var rejoin = new RejoinBackoff(Options.MaintenanceInterval < RejoinBackoff.Maximum ? Options.MaintenanceInterval : RejoinBackoff.Maximum);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // A node cut off from the network (empty table, bootstrap peers known) tries again soon, backing off;
                // otherwise the loop ticks on the maintenance interval. A failed bootstrap wakes it at once.
                TimeSpan delay = Options.MaintenanceInterval;
                if (IsOrphaned)
                {
                    delay = rejoin.Next(Random.Shared);
                }
                else
                {
                    rejoin.Reset();
                }
                if (await _wake.WaitAsync(delay, _time, cancellationToken).ConfigureAwait(false))
                {
                    continue; // woken: choose the delay again for the state we are in now
                }
                await RunMaintenanceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (error is Libp2pException or IOException or OperationCanceledException)
            {
                Log.MaintenanceFailed(_logger, error.Message);
            }
        }
    }

    /// <summary>True while the routing table is empty although bootstrap peers are known: the node has no way into the
    /// network but through them, so maintenance rejoins through them (as go-libp2p-kad-dht's fixLowPeers does).</summary>
    private bool IsOrphaned => Table.Count == 0 && BootstrapPeers.Count > 0;

    /// <summary>One maintenance round: expiry, random walk, self-lookup and bucket refresh, and republishing of our
    /// records and provider announcements that are due.</summary>
    internal async Task RunMaintenanceAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset now = _time.GetUtcNow();
        int expired = Records.PurgeExpired() + Providers.PurgeExpired();
        if (expired > 0)
        {
            Log.Expired(_logger, expired);
        }
        if (IsOrphaned)
        {
            await RejoinAsync(cancellationToken).ConfigureAwait(false);
        }
        if (Table.Count > 0 && (Table.Count < Options.BucketSize || now - _lastRandomWalk >= Options.RandomWalkInterval))
        {
            _lastRandomWalk = now;
            KadKey random = LocalKey.RandomWithCommonPrefix(Random.Shared.Next(0, 16));
            await LookupAsync(random, random.ToArray(), KadMessageType.FindNode, null, cancellationToken).ConfigureAwait(false);
        }
        if (Table.Count > 0 && now - _lastSelfLookup >= Options.RefreshInterval)
        {
            _lastSelfLookup = now;
            await LookupAsync(LocalKey, _host.PeerId.Bytes, KadMessageType.FindNode, null, cancellationToken).ConfigureAwait(false);
            foreach (int bucket in Table.BucketsDueForRefresh(Options.RefreshInterval).Take(MaxBucketRefreshesPerTick))
            {
                KadKey target = LocalKey.RandomWithCommonPrefix(bucket);
                await LookupAsync(target, target.ToArray(), KadMessageType.FindNode, null, cancellationToken).ConfigureAwait(false);
            }
        }
        foreach (StoredRecord record in Records.DueForRepublish(Options.RecordRepublishInterval))
        {
            int stored = await PutToClosestAsync(record.Key, record.Value, cancellationToken).ConfigureAwait(false);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                string keyText = RecordValidatorRegistry.KeyText(record.Key.Span);
                Log.Republished(_logger, keyText, stored);
            }
        }
        if (now - _lastProviderRepublish >= Options.ProviderRepublishInterval)
        {
            _lastProviderRepublish = now;
            foreach (byte[] key in Providers.LocalKeys())
            {
                Providers.Add(key, _host.PeerId, _host.GetAdvertisedAddresses(), isLocal: true);
                int announced = await AnnounceAsync(key, cancellationToken).ConfigureAwait(false);
                Log.Reprovided(_logger, announced);
            }
        }
    }

    /// <summary>Bootstraps again through the remembered bootstrap peers; a failure is logged and retried on the
    /// next (backed-off) tick.</summary>
    private async Task RejoinAsync(CancellationToken cancellationToken)
    {
        Multiaddr[] peers = [.. BootstrapPeers];
        try
        {
            int count = await JoinAsync(peers, cancellationToken).ConfigureAwait(false);
            Log.Rejoined(_logger, peers.Length, count);
        }
        catch (KadException error)
        {
            Log.RejoinFailed(_logger, peers.Length, error.Message);
        }
    }
}
