using System.Text;
using DataMesh.Storage.Addressing;

namespace DataMesh.Core.Transfers;

/// <summary>Why one shard could not be stored on enough peers.</summary>
/// <param name="Holders">Peers that did acknowledge it (fewer than the replication factor).</param>
/// <param name="Errors">One line per failed peer attempt, most recent last (bounded).</param>
internal sealed record ShardUploadFailure(ContentHash Shard, int Required, IReadOnlyList<Libp2p.Identity.PeerId> Holders, IReadOnlyList<string> Errors);

/// <summary>
/// An upload did not reach its replication target for at least one shard. Never thrown for a shard that was
/// stored: <see cref="Stored"/> lists those (with their holders), <see cref="Failures"/> the others.
/// </summary>
internal sealed class UploadFailedException : TransferException
{
    private const int ShardsNamedInMessage = 8;

    public UploadFailedException(IReadOnlyList<ShardUploadFailure> failures, IReadOnlyList<StoredShard> stored)
        : base(Describe(failures, stored.Count))
    {
        Failures = failures;
        Stored = stored;
    }

    public IReadOnlyList<ShardUploadFailure> Failures { get; }
    public IReadOnlyList<StoredShard> Stored { get; }

    private static string Describe(IReadOnlyList<ShardUploadFailure> failures, int storedCount)
    {
        var text = new StringBuilder();
        text.Append("Upload failed: ").Append(failures.Count).Append(" shard(s) could not be stored on enough peers (")
            .Append(storedCount).Append(" stored).");
        for (int i = 0; i < failures.Count && i < ShardsNamedInMessage; i++)
        {
            var failure = failures[i];
            text.Append(' ').Append(failure.Shard).Append(": ").Append(failure.Holders.Count).Append('/')
                .Append(failure.Required).Append(" acknowledged");
            if (failure.Errors.Count > 0)
            {
                text.Append(", last error: ").Append(failure.Errors[^1]);
            }
            text.Append('.');
        }
        if (failures.Count > ShardsNamedInMessage)
        {
            text.Append(" … and ").Append(failures.Count - ShardsNamedInMessage).Append(" more.");
        }
        return text.ToString();
    }
}

/// <summary>A stripe lost more shards than its parity can replace: the file cannot be retrieved now. The message
/// counts the failures by reason; <see cref="Errors"/> has each shard's error with its address (which, for a stripe of
/// 6 shards, made a message of hundreds of characters of hashes).</summary>
public sealed class StripeUnavailableException : TransferException
{
    /// <param name="reasons">One short reason per failed shard request, without shard addresses (summarised in the
    /// message); null summarises <paramref name="errors"/> by count only.</param>
    public StripeUnavailableException(int stripeIndex, int required, int retrieved, IReadOnlyList<string> errors, IReadOnlyList<string>? reasons = null)
        : base(Describe(stripeIndex, required, retrieved, errors, reasons))
    {
        StripeIndex = stripeIndex;
        Required = required;
        Retrieved = retrieved;
        Errors = errors;
    }

    public int StripeIndex { get; }
    public int Required { get; }
    public int Retrieved { get; }
    public IReadOnlyList<string> Errors { get; }

    private static string Describe(int stripeIndex, int required, int retrieved, IReadOnlyList<string> errors, IReadOnlyList<string>? reasons)
    {
        string text = $"Stripe {stripeIndex} cannot be retrieved: {retrieved} of the {required} shards needed were obtained";
        if (errors.Count == 0)
        {
            return text + ".";
        }
        string summary = reasons is { Count: > 0 }
            ? " (" + string.Join(", ", reasons.GroupBy(r => r, StringComparer.Ordinal).OrderByDescending(g => g.Count())
                .Select(g => $"{g.Key}: {g.Count()}")) + ")"
            : string.Empty;
        return $"{text}; {errors.Count} shard request(s) failed{summary}. Each shard's error is in the exception's Errors.";
    }
}
