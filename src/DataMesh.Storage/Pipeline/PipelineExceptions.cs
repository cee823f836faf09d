namespace DataMesh.Storage.Pipeline;

/// <summary>Fewer than k shards of a stripe could be fetched and verified, so the stripe cannot be rebuilt.</summary>
internal sealed class StripeUnrecoverableException : StorageException
{
    public StripeUnrecoverableException(long stripe, int available, int needed, IReadOnlyList<int> missingSlots)
        : base($"Stripe {stripe} cannot be rebuilt: only {available} of its shards are available, {needed} needed " +
               $"(missing slots: {string.Join(", ", missingSlots)}; slots below {needed} are data, the rest parity).")
    {
        Stripe = stripe;
        Available = available;
        Needed = needed;
        MissingSlots = missingSlots;
    }

    public long Stripe { get; }
    public int Available { get; }
    public int Needed { get; }
    public IReadOnlyList<int> MissingSlots { get; }
}

/// <summary>The reassembled file does not hash to the manifest's plaintext hash; nothing was written to the destination.</summary>
public sealed class PlaintextHashMismatchException : StorageException
{
    public PlaintextHashMismatchException(string expected, string actual)
        : base($"The decoded file hashes to {actual}, but its manifest says {expected}; the result was discarded.")
    {
    }
}

/// <summary>The decode destination already exists and overwriting was not asked for.</summary>
public sealed class DestinationExistsException : StorageException
{
    public DestinationExistsException(string path, Exception? innerException = null)
        : base($"{path} already exists; pass Overwrite to replace it.", innerException)
    {
        Path = path;
    }

    public string Path { get; }
}

/// <summary>A manifest's stripe list disagrees with the layout its own sizes imply.</summary>
internal sealed class ManifestLayoutException : StorageException
{
    public ManifestLayoutException(string message) : base(message) { }
}
