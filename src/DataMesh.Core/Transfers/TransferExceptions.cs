using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;

namespace DataMesh.Core.Transfers;

/// <summary>Base of the errors raised while moving shards to and from peers.</summary>
public class TransferException : DataMeshException
{
    public TransferException(string message) : base(message) { }
    public TransferException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>Why a peer refused to store a shard.</summary>
public enum ShardRejectionReason
{
    Other,
    OverQuota,
    TooLarge,
    HashMismatch,
}

/// <summary>A peer refused to store a shard. Permanent for that peer and shard: the manager does not ask it again.</summary>
public sealed class ShardRejectedException : TransferException
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
public sealed class ShardNotFoundException : TransferException
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
public sealed class CorruptShardException : TransferException
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
public sealed class NoPeersAvailableException : TransferException
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
public sealed class ShardTimeoutException : TransferException
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
