namespace DataMesh.Libp2p.Kad;

/// <summary>Parameters of one iterative lookup.</summary>
/// <param name="K">How many closest peers the lookup must hear from before it ends (the bucket size, 20).</param>
/// <param name="Alpha">Requests in flight at most (3).</param>
/// <param name="RequestTimeout">A request not answered in this time counts as failed.</param>
/// <param name="MaxCandidates">Candidates remembered at most; the farthest uncontacted are forgotten first, so
/// peers answering with junk cannot grow a lookup's memory.</param>
internal sealed record LookupParameters(int K = 20, int Alpha = 3, TimeSpan RequestTimeout = default, int MaxCandidates = 200)
{
    public TimeSpan EffectiveRequestTimeout => RequestTimeout > TimeSpan.Zero ? RequestTimeout : TimeSpan.FromSeconds(10);
}

/// <summary>The state of a candidate peer in a lookup.</summary>
internal enum LookupPeerState
{
    NotContacted,
    Waiting,
    Succeeded,
    Failed,
}

/// <summary>The Kademlia iterative lookup as a pure state machine (no sockets, no clock of its own): the caller asks
/// <see cref="NextRequests"/> which peers to query, reports each answer with <see cref="OnResponse"/> or
/// <see cref="OnFailure"/>, and stops when <see cref="IsFinished"/>. At most Alpha requests are in flight, always to
/// the closest uncontacted peers among the K closest non-failed ones; the lookup ends when those K have all answered
/// (or when every candidate has failed). Requests older than the timeout are failed on the next call.</summary>
internal sealed class ClosestPeersLookup<TPeer> where TPeer : notnull
{
    private readonly LookupParameters _parameters;
    private readonly Dictionary<TPeer, Candidate> _byPeer;
    private readonly List<Candidate> _byDistance = []; // ascending XOR distance to the target
    private int _inFlight;

    public ClosestPeersLookup(KadKey target, IEnumerable<(TPeer Peer, KadKey Key)> seeds, LookupParameters parameters, IEqualityComparer<TPeer>? comparer = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.K, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Alpha, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.MaxCandidates, parameters.K);
        Target = target;
        _parameters = parameters;
        _byPeer = new Dictionary<TPeer, Candidate>(comparer);
        foreach ((TPeer peer, KadKey key) in seeds)
        {
            AddCandidate(peer, key, depth: 0);
        }
    }

    public KadKey Target { get; }

    /// <summary>Requests handed out so far.</summary>
    public int RequestsSent { get; private set; }

    /// <summary>Successful answers so far.</summary>
    public int Responses { get; private set; }

    /// <summary>Failed or timed-out requests so far.</summary>
    public int Failures { get; private set; }

    public int InFlight => _inFlight;

    /// <summary>True when the K closest non-failed candidates have all answered (or no candidate is left).</summary>
    public bool IsFinished
    {
        get
        {
            int seen = 0;
            foreach (Candidate candidate in _byDistance)
            {
                if (candidate.State == LookupPeerState.Failed)
                {
                    continue;
                }
                if (candidate.State != LookupPeerState.Succeeded)
                {
                    return false;
                }
                if (++seen == _parameters.K)
                {
                    break;
                }
            }
            return true;
        }
    }

    /// <summary>The closest peers that answered, closest first, at most K.</summary>
    public IReadOnlyList<TPeer> ClosestSucceeded() =>
        [.. _byDistance.Where(c => c.State == LookupPeerState.Succeeded).Take(_parameters.K).Select(c => c.Peer)];

    /// <summary>Longest referral chain among the closest answering peers: how many hops the lookup needed.</summary>
    public int Hops => _byDistance.Where(c => c.State == LookupPeerState.Succeeded).Take(_parameters.K).Select(c => c.Depth + 1).DefaultIfEmpty(0).Max();

    public LookupPeerState StateOf(TPeer peer) =>
        _byPeer.TryGetValue(peer, out Candidate? candidate) ? candidate.State : throw new KeyNotFoundException("The peer is not a candidate of this lookup.");

    /// <summary>The earliest time at which an in-flight request times out, or null when none is in flight.</summary>
    public DateTimeOffset? NextDeadline
    {
        get
        {
            DateTimeOffset? earliest = null;
            foreach (Candidate candidate in _byDistance)
            {
                if (candidate.State == LookupPeerState.Waiting)
                {
                    DateTimeOffset deadline = candidate.SentAt + _parameters.EffectiveRequestTimeout;
                    if (earliest is null || deadline < earliest)
                    {
                        earliest = deadline;
                    }
                }
            }
            return earliest;
        }
    }

    /// <summary>Fails requests that timed out by <paramref name="now"/>, then returns the peers to query next (already
    /// marked as in flight), keeping at most Alpha requests outstanding.</summary>
    public IReadOnlyList<TPeer> NextRequests(DateTimeOffset now)
    {
        TimeSpan timeout = _parameters.EffectiveRequestTimeout;
        foreach (Candidate candidate in _byDistance)
        {
            if (candidate.State == LookupPeerState.Waiting && now - candidate.SentAt >= timeout)
            {
                Fail(candidate);
            }
        }
        if (IsFinished)
        {
            return [];
        }
        var next = new List<TPeer>(_parameters.Alpha);
        int considered = 0;
        foreach (Candidate candidate in _byDistance)
        {
            if (_inFlight >= _parameters.Alpha || considered >= _parameters.K)
            {
                break;
            }
            if (candidate.State == LookupPeerState.Failed)
            {
                continue;
            }
            considered++;
            if (candidate.State == LookupPeerState.NotContacted)
            {
                candidate.State = LookupPeerState.Waiting;
                candidate.SentAt = now;
                _inFlight++;
                RequestsSent++;
                next.Add(candidate.Peer);
            }
        }
        return next;
    }

    /// <summary>Records an answer and the closer peers it named. Answers from peers not waited on are ignored (a late
    /// answer after a timeout, or a peer we never asked).</summary>
    public void OnResponse(TPeer peer, IEnumerable<(TPeer Peer, KadKey Key)> closerPeers)
    {
        if (!_byPeer.TryGetValue(peer, out Candidate? candidate) || candidate.State != LookupPeerState.Waiting)
        {
            return;
        }
        candidate.State = LookupPeerState.Succeeded;
        _inFlight--;
        Responses++;
        int accepted = 0;
        foreach ((TPeer closer, KadKey key) in closerPeers)
        {
            if (accepted++ >= _parameters.MaxCandidates)
            {
                break; // a peer naming more than that is not helping
            }
            AddCandidate(closer, key, candidate.Depth + 1);
        }
    }

    public void OnFailure(TPeer peer)
    {
        if (_byPeer.TryGetValue(peer, out Candidate? candidate) && candidate.State == LookupPeerState.Waiting)
        {
            Fail(candidate);
        }
    }

    private void Fail(Candidate candidate)
    {
        candidate.State = LookupPeerState.Failed;
        _inFlight--;
        Failures++;
    }

    private void AddCandidate(TPeer peer, KadKey key, int depth)
    {
        if (_byPeer.ContainsKey(peer))
        {
            return;
        }
        var candidate = new Candidate(peer, key.Xor(Target), depth);
        int index = _byDistance.BinarySearch(candidate, CandidateDistanceComparer.Instance);
        if (index < 0)
        {
            index = ~index;
        }
        if (_byDistance.Count >= _parameters.MaxCandidates)
        {
            // Full: forget the farthest uncontacted candidate if the newcomer is closer than it.
            int farthest = _byDistance.FindLastIndex(c => c.State == LookupPeerState.NotContacted);
            if (farthest < 0 || farthest < index)
            {
                return;
            }
            _byPeer.Remove(_byDistance[farthest].Peer);
            _byDistance.RemoveAt(farthest);
        }
        _byDistance.Insert(index, candidate);
        _byPeer.Add(peer, candidate);
    }

    private sealed class Candidate(TPeer peer, KadKey distance, int depth)
    {
        public TPeer Peer { get; } = peer;

        public KadKey Distance { get; } = distance;

        public int Depth { get; } = depth;

        public LookupPeerState State { get; set; }

        public DateTimeOffset SentAt { get; set; }
    }

    private sealed class CandidateDistanceComparer : IComparer<Candidate>
    {
        public static readonly CandidateDistanceComparer Instance = new();

        public int Compare(Candidate? x, Candidate? y) => x!.Distance.CompareTo(y!.Distance);
    }
}
