namespace DataMesh.Core.Transfers;

/// <summary>Limits of a <see cref="TransferJournal"/>.</summary>
internal sealed record TransferJournalOptions
{
    /// <summary>Largest journal file; past it progress is no longer recorded (a rerun then redoes that part). A
    /// larger file found on disk is not ours and is replaced.</summary>
    public long MaxBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary>Records between forced writes to stable storage (each record always reaches the OS at once, so a
    /// process crash loses nothing; a power loss at most this many records).</summary>
    public int SyncEvery { get; init; } = 64;

    internal void Validate()
    {
        if (MaxBytes < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBytes), MaxBytes, "A journal needs at least 1024 bytes.");
        }
        if (SyncEvery < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(SyncEvery), SyncEvery, "Must be at least 1.");
        }
    }
}
