using DataMesh.Core.Durability;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;

namespace DataMesh.Core.Node.Files;

/// <summary>
/// Where one stripe's stored shards live during a repair, and the choices that raise its tolerance: which shard to
/// place next and on which peers. Slots are addressed by their index among the stripe's stored slots (virtual slots
/// left out). Slots with the same address (the coded copies of a one-data-shard stripe are identical) share holders:
/// a peer that takes the address holds all of them.
/// </summary>
internal sealed class StripeRepair
{
    private readonly IReadOnlyList<ContentHash> _addresses;
    private readonly List<HashSet<PeerId>> _holders;
    private readonly HashSet<PeerId> _unreachable;

    /// <param name="addresses">The stripe's shard addresses, every slot.</param>
    /// <param name="slots">The stored slots, in slot order.</param>
    /// <param name="holders">The live holders of each stored slot.</param>
    /// <param name="needed">Stored shards needed to read the stripe (k minus its virtual slots).</param>
    /// <param name="unreachable">Peers that did not answer the survey: never placement candidates.</param>
    public StripeRepair(int stripe, IReadOnlyList<ContentHash> addresses, IReadOnlyList<int> slots, IReadOnlyList<IReadOnlyCollection<PeerId>> holders,
        int needed, HashSet<PeerId> unreachable)
    {
        Stripe = stripe;
        _addresses = addresses;
        Slots = slots;
        _holders = [.. holders.Select(h => new HashSet<PeerId>(h))];
        Needed = needed;
        _unreachable = unreachable;
    }

    public int Stripe { get; }

    /// <summary>The stored slots (index → slot number).</summary>
    public IReadOnlyList<int> Slots { get; }

    public int Needed { get; }

    /// <summary>The size of the largest matching of stored slots to distinct holders.</summary>
    public int Happiness => PlacementHappiness.Compute(_holders);

    /// <summary>Node losses the stripe survives as placed so far (negative while fewer than <see cref="Needed"/> slots are matched).</summary>
    public int Tolerated => Happiness - Needed;

    public ContentHash AddressOf(int index) => _addresses[Slots[index]];

    /// <summary>Stored slots no peer holds, re-checked as each is placed (a placed address fills all its slots).</summary>
    public IEnumerable<int> MissingSlots()
    {
        for (int index = 0; index < _holders.Count; index++)
        {
            if (_holders[index].Count == 0)
            {
                yield return index;
            }
        }
    }

    /// <summary>Every peer holding some shard of the stripe.</summary>
    public HashSet<PeerId> StripeHolders() => [.. _holders.SelectMany(h => h)];

    /// <summary>Candidates for slot <paramref name="index"/>: reachable peers not holding it, those holding the fewest
    /// shards of the stripe first (none, when there is such a peer), XOR order among equals.</summary>
    public IReadOnlyList<PeerId> LeastLoadedFirst(int index, IReadOnlyList<PeerId> closest)
    {
        HashSet<PeerId> own = _holders[index];
        return [.. closest.Where(p => !_unreachable.Contains(p) && !own.Contains(p)).OrderBy(p => _holders.Count(h => h.Contains(p)))];
    }

    /// <summary>Reachable peers of <paramref name="closest"/> that hold no shard of the stripe, in their order.</summary>
    public IReadOnlyList<PeerId> Unused(IReadOnlyList<PeerId> closest)
    {
        HashSet<PeerId> used = StripeHolders();
        return [.. closest.Where(p => !_unreachable.Contains(p) && !used.Contains(p))];
    }

    /// <summary>A stored slot whose copy on a peer holding none of the stripe would raise the happiness (one the
    /// largest matching leaves without a node of its own), the one with the fewest holders first; null when every
    /// slot is matched already.</summary>
    public int? SlotRaisingHappiness()
    {
        var ids = new Dictionary<PeerId, int>();
        int[][] holders = [.. _holders.Select(h => h.Select(p => ids.TryGetValue(p, out int id) ? id : ids[p] = ids.Count).ToArray())];
        int happiness = PlacementHappiness.Compute<int>(holders);
        const int UnusedPeer = -1;
        foreach (int index in Enumerable.Range(0, holders.Length).OrderBy(i => holders[i].Length))
        {
            int[] saved = holders[index];
            holders[index] = [.. saved, UnusedPeer];
            bool raises = PlacementHappiness.Compute<int>(holders) > happiness;
            holders[index] = saved;
            if (raises)
            {
                return index;
            }
        }
        return null;
    }

    /// <summary>Records that <paramref name="peer"/> took slot <paramref name="index"/>'s address.</summary>
    public void Add(int index, PeerId peer)
    {
        ContentHash address = AddressOf(index);
        for (int other = 0; other < _holders.Count; other++)
        {
            if (AddressOf(other) == address)
            {
                _holders[other].Add(peer);
            }
        }
    }
}
