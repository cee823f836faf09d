using DataMesh.Core.Peers;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;

namespace DataMesh.Core.Transfers;

/// <summary>
/// State of one shard retrieval shared by its attempts (primary, hedges, retries): which peer to ask next,
/// who is being asked, which attempt won. Attempts start and finish concurrently, so every member locks.
/// </summary>
/// <remarks>
/// Peer choice: in each round (one hedging round per retry) a peer is asked at most once; across rounds the
/// least-asked peer goes first, in rank order, so each retry prefers a peer not tried yet.
/// </remarks>
internal sealed class FetchOperation
{
    private const int MaxErrorsKept = 8;

    private readonly object _gate = new();
    private readonly PeerStatistics _statistics;
    private readonly int[] _attempts;
    private readonly int[] _lastRound;
    private readonly bool[] _inFlight;
    private readonly List<string> _errors = [];
    private int _round = 1;
    private int _running;
    private bool _claimed;
    private int _hedgesFired;
    private int _retries;

    /// <param name="hedgesBefore">Hedges an earlier operation for the same shard fired (the planned holders' round).</param>
    public FetchOperation(ContentHash shard, int length, bool isBlob, IReadOnlyList<PeerId> candidates, PeerStatistics statistics,
        TransferMonitor monitor, int hedgesBefore = 0)
    {
        _hedgesFired = hedgesBefore;
        Shard = shard;
        Length = length;
        IsBlob = isBlob;
        Candidates = candidates;
        Monitor = monitor;
        _statistics = statistics;
        _attempts = new int[candidates.Count];
        _lastRound = new int[candidates.Count];
        _inFlight = new bool[candidates.Count];
    }

    public ContentHash Shard { get; }
    /// <summary>A shard's exact length, or a blob's most bytes (<see cref="IsBlob"/>).</summary>
    public int Length { get; }

    /// <summary>A blob of unknown length (a manifest) rather than a shard of known length.</summary>
    public bool IsBlob { get; }
    public IReadOnlyList<PeerId> Candidates { get; }
    public TransferMonitor Monitor { get; }

    /// <summary>Hedged requests fired for this shard so far.</summary>
    public int HedgesFired => Volatile.Read(ref _hedgesFired);

    /// <summary>Retry rounds this shard has taken so far.</summary>
    public int Retries => Volatile.Read(ref _retries);

    public void CountHedge() => Interlocked.Increment(ref _hedgesFired);

    public void CountRetry() => Interlocked.Increment(ref _retries);

    /// <summary>The peer asked most recently; its latency sets the delay before the next hedge.</summary>
    public PeerId? LastStarted { get; private set; }

    public IReadOnlyList<string> Errors
    {
        get { lock (_gate) { return [.. _errors]; } }
    }

    /// <summary>Picks the next peer for this round. <paramref name="isHedge"/>: another attempt is still running.</summary>
    public bool TryStart(out PeerId? peer, out bool isHedge)
    {
        lock (_gate)
        {
            int best = FindEligible();
            if (best < 0 || _claimed)
            {
                peer = null;
                isHedge = false;
                return false;
            }
            _attempts[best]++;
            _lastRound[best] = _round;
            _inFlight[best] = true;
            isHedge = _running > 0;
            _running++;
            peer = Candidates[best];
            LastStarted = peer;
            return true;
        }
    }

    public bool CanHedge
    {
        get { lock (_gate) { return !_claimed && FindEligible() >= 0; } }
    }

    public void Finished(PeerId peer)
    {
        lock (_gate)
        {
            for (int i = 0; i < Candidates.Count; i++)
            {
                if (_inFlight[i] && Candidates[i].Equals(peer))
                {
                    _inFlight[i] = false;
                    _running--;
                    return;
                }
            }
        }
    }

    /// <summary>True for exactly one verified answer; later ones are surplus.</summary>
    public bool TryClaim()
    {
        lock (_gate)
        {
            if (_claimed)
            {
                return false;
            }
            _claimed = true;
            return true;
        }
    }

    public void NextRound()
    {
        lock (_gate) { _round++; }
    }

    public void RecordError(PeerId peer, string error)
    {
        lock (_gate)
        {
            if (_errors.Count == MaxErrorsKept)
            {
                _errors.RemoveAt(0);
            }
            _errors.Add($"{peer}: {error}");
        }
    }

    private int FindEligible()
    {
        int best = -1;
        for (int i = 0; i < Candidates.Count; i++)
        {
            if (_inFlight[i] || _lastRound[i] == _round || _statistics.IsBanned(Candidates[i]))
            {
                continue;
            }
            if (best < 0 || _attempts[i] < _attempts[best])
            {
                best = i;
            }
        }
        return best;
    }
}
