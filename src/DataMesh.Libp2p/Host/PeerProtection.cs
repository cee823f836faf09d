using PeerId = DataMesh.Libp2p.Identity.PeerId;

namespace DataMesh.Libp2p.Host;

/// <summary>Peers whose connections the connection manager must not trim under pressure, each protected under one or
/// more tags (one per upper-layer reason, as go-libp2p's connmgr Protect(peer, tag)): a peer stays protected until
/// every tag is removed. Bounded by what the upper layers protect (the DHT: its closest buckets).</summary>
internal sealed class PeerProtection
{
    private readonly Dictionary<PeerId, HashSet<string>> _tags = [];
    private readonly Lock _gate = new();

    public void Protect(PeerId peer, string tag)
    {
        lock (_gate)
        {
            if (!_tags.TryGetValue(peer, out HashSet<string>? tags))
            {
                tags = new HashSet<string>(StringComparer.Ordinal);
                _tags.Add(peer, tags);
            }
            tags.Add(tag);
        }
    }

    /// <summary>Removes one tag; true when the peer is still protected under another.</summary>
    public bool Unprotect(PeerId peer, string tag)
    {
        lock (_gate)
        {
            if (!_tags.TryGetValue(peer, out HashSet<string>? tags))
            {
                return false;
            }
            tags.Remove(tag);
            if (tags.Count == 0)
            {
                _tags.Remove(peer);
                return false;
            }
            return true;
        }
    }

    /// <summary>True when the peer is protected under <paramref name="tag"/>, or under any tag when it is null.</summary>
    public bool IsProtected(PeerId peer, string? tag)
    {
        lock (_gate)
        {
            return _tags.TryGetValue(peer, out HashSet<string>? tags) && (tag is null || tags.Contains(tag));
        }
    }
}
