using DataMesh.Core.Peers;
using DataMesh.Libp2p.Identity;

namespace DataMesh.Core.Transfers;

/// <summary>
/// State of one shard upload across its rounds: who acknowledged, who refused (never asked again for this
/// shard), who failed (asked again only after untried peers), and the recent errors.
/// </summary>
internal sealed class UploadOperation
{
    private const int MaxErrorsKept = 8;

    private readonly object _gate = new();
    private readonly int _required;
    private readonly List<PeerId> _holders = [];
    private readonly HashSet<PeerId> _excluded = [];
    private readonly HashSet<PeerId> _failedBefore = [];
    private readonly List<string> _errors = [];

    public UploadOperation(ShardToUpload shard, int required, TransferMonitor monitor)
    {
        Shard = shard;
        _required = required;
        Monitor = monitor;
    }

    public ShardToUpload Shard { get; }
    public TransferMonitor Monitor { get; }

    /// <summary>Distinct peers that must acknowledge the shard.</summary>
    public int Required => _required;

    public int Missing
    {
        get { lock (_gate) { return _required - _holders.Count; } }
    }

    public int ExcludedCount
    {
        get { lock (_gate) { return _excluded.Count + _holders.Count; } }
    }

    public IReadOnlyList<PeerId> Holders
    {
        get { lock (_gate) { return [.. _holders]; } }
    }

    public void AddHolder(PeerId peer)
    {
        lock (_gate)
        {
            if (!_holders.Contains(peer))
            {
                _holders.Add(peer);
            }
        }
    }

    public void Exclude(PeerId peer)
    {
        lock (_gate) { _excluded.Add(peer); }
    }

    public void RecordError(PeerId? peer, string error)
    {
        lock (_gate)
        {
            if (peer is not null)
            {
                _failedBefore.Add(peer);
            }
            if (_errors.Count == MaxErrorsKept)
            {
                _errors.RemoveAt(0);
            }
            _errors.Add(peer is null ? error : $"{peer}: {error}");
        }
    }

    public bool HasFailed(PeerId peer)
    {
        lock (_gate) { return _failedBefore.Contains(peer); }
    }

    /// <summary>Usable placement peers: not holding it already, not refused, not banned; untried before failed, XOR order kept.</summary>
    public List<PeerId> OrderCandidates(IReadOnlyList<PeerId> found, PeerStatistics statistics)
    {
        lock (_gate)
        {
            var fresh = new List<PeerId>();
            var retried = new List<PeerId>();
            var seen = new HashSet<PeerId>();
            foreach (var peer in found)
            {
                if (!seen.Add(peer) || _holders.Contains(peer) || _excluded.Contains(peer) || statistics.IsBanned(peer))
                {
                    continue;
                }
                (_failedBefore.Contains(peer) ? retried : fresh).Add(peer);
            }
            fresh.AddRange(retried);
            return fresh;
        }
    }

    public ShardUploadFailure ToFailure()
    {
        lock (_gate)
        {
            return new ShardUploadFailure(Shard.Shard, _required, [.. _holders], [.. _errors]);
        }
    }
}
