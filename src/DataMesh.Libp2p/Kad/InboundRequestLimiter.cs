using DataMesh.Libp2p.Identity;

namespace DataMesh.Libp2p.Kad;

/// <summary>Caps inbound requests in flight per peer and in total. A peer at its cap is refused at once (its
/// stream is reset) rather than queued, so it can neither use more than its share nor make others wait.</summary>
internal sealed class InboundRequestLimiter(int perPeer, int total)
{
    private readonly Dictionary<PeerId, int> _perPeer = [];
    private readonly Lock _gate = new();
    private int _total;

    public int InFlight
    {
        get { lock (_gate) { return _total; } }
    }

    public bool TryEnter(PeerId peer)
    {
        lock (_gate)
        {
            _perPeer.TryGetValue(peer, out int current);
            if (current >= perPeer || _total >= total)
            {
                return false;
            }
            _perPeer[peer] = current + 1;
            _total++;
            return true;
        }
    }

    public void Exit(PeerId peer)
    {
        lock (_gate)
        {
            int current = _perPeer[peer] - 1;
            if (current == 0)
            {
                _perPeer.Remove(peer);
            }
            else
            {
                _perPeer[peer] = current;
            }
            _total--;
        }
    }
}
