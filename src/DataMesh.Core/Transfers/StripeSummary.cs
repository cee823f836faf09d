using DataMesh.Libp2p.Identity;

namespace DataMesh.Core.Transfers;

/// <summary>
/// The one verbose line per stripe of a transfer: where its shards went (upload) or which peers served it, with the
/// hedges, retries and failures it took (retrieval). One line per stripe whatever its shard count, with peers in a
/// short form, so -Verbose stays readable for large files.
/// </summary>
internal static class StripeSummary
{
    /// <summary>Most peers named in one line; more are counted ("… and 3 more").</summary>
    public const int MaxPeersNamed = 12;

    /// <summary>"12D3KooW…x7Yz9a": the start shared by all Ed25519 peer ids and enough of the end to tell them apart.</summary>
    public static string Short(PeerId peer)
    {
        string text = peer.ToString();
        return text.Length > 16 ? $"{text[..8]}…{text[^6..]}" : text;
    }

    /// <summary>Distinct peers, most used first, as "name ×2, name, …".</summary>
    public static string Peers(IEnumerable<PeerId> peers)
    {
        var counted = peers.GroupBy(p => p).Select(g => (Peer: g.Key, Count: g.Count()))
            .OrderByDescending(p => p.Count).ThenBy(p => p.Peer.ToString(), StringComparer.Ordinal).ToList();
        var named = counted.Take(MaxPeersNamed).Select(p => p.Count > 1 ? $"{Short(p.Peer)} ×{p.Count}" : Short(p.Peer));
        string text = string.Join(", ", named);
        return counted.Count > MaxPeersNamed ? $"{text} … and {counted.Count - MaxPeersNamed} more" : text;
    }
}
