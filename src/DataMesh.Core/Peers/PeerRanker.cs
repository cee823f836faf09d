using DataMesh.Libp2p.Identity;

namespace DataMesh.Core.Peers;

/// <summary>
/// Orders candidate peers for a request. With <c>preferFastPeers</c>: banned peers are left out, responsive and
/// never-tried peers come first ordered by expected cost (latency over recent success rate, with a small random
/// factor so equal peers share the load), peers that have been failing come last. Without it: a random order
/// (banned peers still left out).
/// </summary>
/// <remarks>
/// A peer we know nothing about gets an optimistic prior, the latency of the best known peer and a perfect success
/// rate, so new peers get tried and measured instead of being starved by the first peer that happened to answer.
/// </remarks>
internal sealed class PeerRanker
{
    // Floor for the success probability, so a score stays finite and a mostly-failing peer still has an order.
    private const double MinSuccessProbability = 0.05;

    // Up to 10 % noise: breaks ties and spreads requests over peers that measure the same.
    private const double TieBreakNoise = 0.10;

    private readonly PeerStatistics _statistics;
    private readonly Random _random;
    private readonly object _randomGate = new();

    public PeerRanker(PeerStatistics statistics, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        _statistics = statistics;
        _random = random ?? new Random();
    }

    public PeerStatistics Statistics => _statistics;

    /// <summary>The distinct, non-banned <paramref name="candidates"/>, best first.</summary>
    public IReadOnlyList<PeerId> Rank(IEnumerable<PeerId> candidates, bool preferFastPeers)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var seen = new HashSet<PeerId>();
        var entries = new List<(PeerId Peer, PeerRankingView View, bool Known)>();
        foreach (var peer in candidates)
        {
            if (!seen.Add(peer))
            {
                continue;
            }
            bool known = _statistics.TryGetRankingView(peer, out var view);
            if (known && view.IsBanned)
            {
                continue;
            }
            entries.Add((peer, view, known && view.Completed > 0));
        }

        var scored = new (PeerId Peer, int Tier, double Score)[entries.Count];
        lock (_randomGate)
        {
            if (!preferFastPeers)
            {
                for (int i = 0; i < entries.Count; i++)
                {
                    scored[i] = (entries[i].Peer, 0, _random.NextDouble());
                }
            }
            else
            {
                double prior = BestKnownLatencyMs(entries);
                for (int i = 0; i < entries.Count; i++)
                {
                    var (peer, view, known) = entries[i];
                    double latencyMs = known && view.HasLatency ? view.LatencyMs : prior;
                    double success = known ? Math.Max(view.RecentSuccessRate, MinSuccessProbability) : 1.0;
                    int tier = !known || view.IsResponsive ? 0 : 1;
                    double noise = 1.0 + (TieBreakNoise * _random.NextDouble());
                    scored[i] = (peer, tier, (latencyMs + 1.0) / success * noise);
                }
            }
        }
        Array.Sort(scored, static (a, b) => a.Tier != b.Tier ? a.Tier.CompareTo(b.Tier) : a.Score.CompareTo(b.Score));
        var ranked = new PeerId[scored.Length];
        for (int i = 0; i < scored.Length; i++)
        {
            ranked[i] = scored[i].Peer;
        }
        return ranked;
    }

    /// <summary>The 90th percentile of the peer's recent latencies, or null when it has none.</summary>
    public TimeSpan? GetLatencyP90(PeerId peer) =>
        _statistics.TryGetRankingView(peer, out var view) && view.HasLatency ? view.LatencyP90 : null;

    private static double BestKnownLatencyMs(List<(PeerId Peer, PeerRankingView View, bool Known)> entries)
    {
        double best = double.PositiveInfinity;
        foreach (var (_, view, known) in entries)
        {
            if (known && view.HasLatency && view.IsResponsive && view.LatencyMs < best)
            {
                best = view.LatencyMs;
            }
        }
        return double.IsPositiveInfinity(best) ? 0 : best;
    }
}
