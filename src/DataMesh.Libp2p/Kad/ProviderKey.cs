using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Kad;

/// <summary>How the DHT reads a provider key. libp2p names provided content by CID, and implementations differ in
/// which bytes go on the wire: go-libp2p-kad-dht and js-libp2p kad-dht send the CID's multihash, while js's handlers
/// decode the key as a CID (so of bare multihashes they take only a sha2-256 one, read as a CIDv0; a binary CIDv1
/// they take whatever its hash). Both place the record by the SHA-256 of the multihash. So a key that is a binary
/// CIDv1 or a bare multihash stands for its multihash, one record and one point of the key space whichever form it
/// came in; any other key (an opaque byte string) stands for itself.</summary>
internal static class ProviderKey
{
    /// <summary>The multihash bytes of a CIDv1 or multihash key; otherwise the key itself.</summary>
    public static ReadOnlyMemory<byte> Content(ReadOnlyMemory<byte> key)
    {
        if (Cid.TryFromBytes(key.Span, out Cid? cid))
        {
            return cid!.Multihash.Bytes;
        }
        return key;
    }

    /// <summary>Where the provider record lives in the key space: SHA-256 of <see cref="Content"/>, as go and js place it.</summary>
    public static KadKey Position(ReadOnlyMemory<byte> key) => KadKey.Hash(Content(key).Span);

    /// <summary>Whether <paramref name="candidate"/> is the better of two forms to keep and send: a CIDv1 is read by
    /// every implementation's handlers, a bare non-sha2-256 multihash is refused by js.</summary>
    public static bool IsPreferredForm(ReadOnlySpan<byte> candidate, ReadOnlySpan<byte> current) =>
        Cid.TryFromBytes(candidate, out _) && !Cid.TryFromBytes(current, out _);
}
