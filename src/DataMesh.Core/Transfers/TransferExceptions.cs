using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;

namespace DataMesh.Core.Transfers;

/// <summary>Base of the errors raised while moving shards to and from peers.</summary>
public class TransferException : DataMeshException
{
    public TransferException(string message) : base(message) { }
    public TransferException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>A peer answered and said no (refused a store or a delete, does not hold a shard): an honest answer, not a
/// malfunction, so it is never charged to the peer's statistics.</summary>
internal abstract class PeerRefusedException : TransferException
{
    protected PeerRefusedException(string message) : base(message) { }
}

/// <summary>A peer gave no answer within the per-peer timeout (peer_response_timeout).</summary>
internal sealed class PeerTimeoutException : TransferException
{
    public PeerTimeoutException(PeerId peer, TimeSpan timeout, Exception? innerException = null)
        : base($"{peer} gave no answer within {timeout.TotalSeconds:0.#} s", innerException)
    {
        Peer = peer;
        Timeout = timeout;
    }

    public PeerId Peer { get; }
    public TimeSpan Timeout { get; }
}

/// <summary>No peer could provide a variable-length blob (a manifest): <see cref="Detail"/> says what each one answered.</summary>
internal sealed class BlobUnavailableException : TransferException
{
    public BlobUnavailableException(ContentHash address, string detail, bool noHolderKnown, Exception? innerException)
        : base($"No peer provided {address}: {detail}.", innerException)
    {
        Address = address;
        Detail = detail;
        NoHolderKnown = noHolderKnown;
    }

    public ContentHash Address { get; }

    /// <summary>What each asked holder answered (or why none was asked).</summary>
    public string Detail { get; }

    /// <summary>No candidate holder was known at all, so no peer was asked.</summary>
    public bool NoHolderKnown { get; }
}

/// <summary>Why a peer refused to store a shard.</summary>
internal enum ShardRejectionReason
{
    Other,
    OverQuota,
    TooLarge,
    HashMismatch,
}

/// <summary>A peer refused to store a shard. Permanent for that peer and shard: the manager does not ask it again.</summary>
internal sealed class ShardRejectedException : PeerRefusedException
{
    public ShardRejectedException(PeerId peer, ContentHash shard, ShardRejectionReason reason, string? detail = null)
        : base($"Peer {peer} refused shard {shard}: {reason}{(detail is null ? "" : $" ({detail})")}.")
    {
        Peer = peer;
        Shard = shard;
        Reason = reason;
    }

    public PeerId Peer { get; }
    public ContentHash Shard { get; }
    public ShardRejectionReason Reason { get; }
}

/// <summary>A peer does not hold the shard it was asked for.</summary>
internal sealed class ShardNotFoundException : PeerRefusedException
{
    public ShardNotFoundException(PeerId peer, ContentHash shard)
        : base($"Peer {peer} does not hold shard {shard}.")
    {
        Peer = peer;
        Shard = shard;
    }

    public PeerId Peer { get; }
    public ContentHash Shard { get; }
}

/// <summary>A peer answered with bytes that are not the requested shard (wrong length or wrong BLAKE3 hash).</summary>
internal sealed class CorruptShardException : TransferException
{
    public CorruptShardException(PeerId peer, ContentHash shard, string detail)
        : base($"Peer {peer} returned corrupt data for shard {shard}: {detail}.")
    {
        Peer = peer;
        Shard = shard;
    }

    public PeerId Peer { get; }
    public ContentHash Shard { get; }
}

/// <summary>No (more) peers to ask: no holder known, or every known one is banned or already failed.</summary>
internal sealed class NoPeersAvailableException : TransferException
{
    public NoPeersAvailableException(ContentHash shard, string detail)
        : base($"No peer available for shard {shard}: {detail}.")
    {
        Shard = shard;
        Detail = detail;
    }

    public ContentHash Shard { get; }

    /// <summary>Why, without the shard address (e.g. "no holder is known").</summary>
    public string Detail { get; }
}

/// <summary>A whole shard operation (every peer, hedge and retry) exceeded the chunk timeout.</summary>
internal sealed class ShardTimeoutException : TransferException
{
    public ShardTimeoutException(ContentHash shard, TimeSpan timeout, Exception? lastError)
        : base($"Shard {shard} was not transferred within the chunk timeout of {timeout.TotalSeconds:0.###} s" +
               (lastError is null ? "." : $"; last error: {lastError.Message}"), lastError)
    {
        Shard = shard;
        Timeout = timeout;
    }

    public ContentHash Shard { get; }
    public TimeSpan Timeout { get; }
}
