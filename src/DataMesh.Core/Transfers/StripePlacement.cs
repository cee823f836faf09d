using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;

namespace DataMesh.Core.Transfers;

/// <summary>
/// The stored shards of one erasure-coded stripe, placed together so that losing one peer loses at most one shard of
/// the stripe (per copy) whenever there are at least as many storage peers as shards × copies, and as few as the
/// peer count allows otherwise. Shared by the uploads of the stripe's shards (give every <see cref="ShardToUpload"/>
/// of a stripe the same instance) and recomputed by a downloader to know where each shard went.
/// </summary>
/// <remarks>
/// <para>The rule (<see cref="Plan"/>) is deterministic, so any node that sees the same storage peers computes the
/// same placement: in slot order, each copy of a shard goes to the peer of its XOR window that holds the fewest
/// shards of the stripe so far, the XOR-closest among equals (Kademlia's preference), never twice to the same peer.
/// With enough peers every shard lands on a distinct peer; with fewer, the load differs by at most one.</para>
/// <para>A refused or failed store falls back to the window's other peers, least loaded first, so the stripe stays
/// spread. Thread-safe.</para>
/// </remarks>
internal sealed class StripePlacement
{
    private readonly object _gate = new();
    private readonly Dictionary<ContentHash, int> _slots = [];
    private readonly Dictionary<PeerId, int> _load = [];
    private Task<IReadOnlyList<IReadOnlyList<PeerId>>>? _planning;

    /// <param name="shards">The stripe's stored shards in slot order (data shards, then parity; padding slots that are
    /// never stored left out).</param>
    public StripePlacement(IReadOnlyList<ContentHash> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        if (shards.Count == 0)
        {
            throw new ArgumentException("A stripe has at least one stored shard.", nameof(shards));
        }
        for (int slot = 0; slot < shards.Count; slot++)
        {
            // A repeated address (two identical shards) is one stored object: it keeps its first slot.
            _slots.TryAdd(shards[slot], slot);
        }
        Shards = [.. shards];
    }

    public IReadOnlyList<ContentHash> Shards { get; }

    /// <summary>The most of this stripe's shards one peer may take (each copy counted). A policy layout sets 1 (or the
    /// fewest per peer the mesh allows): a fallback then goes only to a peer holding none of the stripe, and when none
    /// is left the shard fails instead of silently halving the stripe's tolerance. Unlimited by default.</summary>
    public int MaxShardsPerPeer
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxShardsPerPeer), value, "At least one shard per peer.");
    } = int.MaxValue;

    /// <summary>The slot of <paramref name="shard"/>, or -1 when it is not part of this stripe.</summary>
    public int SlotOf(ContentHash shard) => _slots.TryGetValue(shard, out int slot) ? slot : -1;

    /// <summary>Placement candidates to look at per shard: enough for every copy of every shard of the stripe to
    /// find a peer of its own, plus <paramref name="spare"/> fallbacks.</summary>
    public int WindowFor(int copies, int spare) => checked((Shards.Count * copies) + spare);

    /// <summary>
    /// The deterministic placement: for each slot, the peers its <paramref name="copies"/> copies go to, chosen from
    /// <paramref name="closestPerSlot"/> (each slot's candidates, XOR-closest first).
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<PeerId>> Plan(IReadOnlyList<IReadOnlyList<PeerId>> closestPerSlot, int copies)
    {
        ArgumentNullException.ThrowIfNull(closestPerSlot);
        ArgumentOutOfRangeException.ThrowIfLessThan(copies, 1);
        var load = new Dictionary<PeerId, int>();
        var plan = new IReadOnlyList<PeerId>[closestPerSlot.Count];
        for (int slot = 0; slot < closestPerSlot.Count; slot++)
        {
            IReadOnlyList<PeerId> candidates = closestPerSlot[slot] ?? [];
            var picks = new List<PeerId>(copies);
            for (int copy = 0; copy < copies; copy++)
            {
                PeerId? best = null;
                int bestLoad = int.MaxValue;
                foreach (PeerId peer in candidates)
                {
                    int peerLoad = load.GetValueOrDefault(peer);
                    if (peerLoad < bestLoad && !picks.Contains(peer))
                    {
                        best = peer;
                        bestLoad = peerLoad;
                    }
                }
                if (best is null)
                {
                    break;
                }
                picks.Add(best);
                load[best] = bestLoad + 1;
            }
            plan[slot] = picks;
        }
        return plan;
    }

    /// <summary>The plan if it is already computed, without waiting; null while planning or after a failed attempt.</summary>
    internal IReadOnlyList<IReadOnlyList<PeerId>>? CompletedPlan
    {
        get
        {
            lock (_gate)
            {
                return _planning is { IsCompletedSuccessfully: true } done ? done.Result : null;
            }
        }
    }

    /// <summary>The plan over the placement peers the network reports now; computed once per stripe and shared.</summary>
    internal async ValueTask<IReadOnlyList<IReadOnlyList<PeerId>>> GetPlanAsync(IShardNetwork network, int copies, int window, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task<IReadOnlyList<IReadOnlyList<PeerId>>> planning;
            lock (_gate)
            {
                if (_planning is null || _planning.IsFaulted || _planning.IsCanceled)
                {
                    _planning = ComputePlanAsync(network, copies, window, cancellationToken);
                }
                planning = _planning;
            }
            try
            {
                return await planning.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The shard that started the lookup gave up (its own timeout); this one plans again.
            }
        }
    }

    /// <summary>
    /// Takes the best of <paramref name="remaining"/> for <paramref name="slot"/> out of the list and claims it: its
    /// <paramref name="preferred"/> planned peers first (in plan order), then the peer holding or planned to hold the
    /// fewest of the stripe's shards (whichever count is higher), the earliest in the list among equals; never a peer
    /// that already took <see cref="MaxShardsPerPeer"/> of them. Counting plans,
    /// not only stores already started, keeps a fallback off a peer whose own shard simply has not started yet. Null
    /// when none is left.
    /// </summary>
    internal PeerId? TakeNext(List<PeerId> remaining, IReadOnlyList<IReadOnlyList<PeerId>> plan, int slot, IReadOnlyList<PeerId> preferred)
    {
        lock (_gate)
        {
            int best = -1, bestLoad = int.MaxValue;
            for (int i = 0; i < remaining.Count; i++)
            {
                PeerId peer = remaining[i];
                if (_load.GetValueOrDefault(peer) >= MaxShardsPerPeer)
                {
                    continue;
                }
                int planRank = IndexOf(preferred, peer);
                int load = planRank >= 0 ? int.MinValue + planRank : Math.Max(_load.GetValueOrDefault(peer), PlannedElsewhere(plan, slot, peer));
                if (load < bestLoad)
                {
                    best = i;
                    bestLoad = load;
                }
            }
            if (best < 0)
            {
                return null;
            }
            PeerId chosen = remaining[best];
            remaining.RemoveAt(best);
            _load[chosen] = _load.GetValueOrDefault(chosen) + 1;
            return chosen;
        }
    }

    private static int PlannedElsewhere(IReadOnlyList<IReadOnlyList<PeerId>> plan, int slot, PeerId peer)
    {
        int count = 0;
        for (int other = 0; other < plan.Count; other++)
        {
            if (other != slot && IndexOf(plan[other], peer) >= 0)
            {
                count++;
            }
        }
        return count;
    }

    private static int IndexOf(IReadOnlyList<PeerId> peers, PeerId peer)
    {
        for (int i = 0; i < peers.Count; i++)
        {
            if (peers[i].Equals(peer))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>That store failed: the peer does not hold the shard after all.</summary>
    internal void Release(PeerId peer)
    {
        lock (_gate)
        {
            if (_load.TryGetValue(peer, out int count))
            {
                if (count <= 1)
                {
                    _load.Remove(peer);
                }
                else
                {
                    _load[peer] = count - 1;
                }
            }
        }
    }

    private async Task<IReadOnlyList<IReadOnlyList<PeerId>>> ComputePlanAsync(IShardNetwork network, int copies, int window, CancellationToken cancellationToken)
    {
        var closest = new IReadOnlyList<PeerId>[Shards.Count];
        for (int slot = 0; slot < Shards.Count; slot++)
        {
            closest[slot] = await network.FindPlacementPeersAsync(Shards[slot], window, cancellationToken).ConfigureAwait(false);
        }
        return Plan(closest, copies);
    }
}
