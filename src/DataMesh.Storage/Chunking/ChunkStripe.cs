namespace DataMesh.Storage.Chunking;

/// <summary>The real data chunks of one stripe (1 to k of them; fewer than k only for the file's last stripe, whose
/// remaining slots are virtual zero shards, see <see cref="StripeLayout"/>). Owns its chunks: disposing the stripe
/// disposes them.</summary>
internal sealed class ChunkStripe : IDisposable
{
    private readonly Chunk[] _chunks;

    internal ChunkStripe(long index, Chunk[] chunks)
    {
        Index = index;
        _chunks = chunks;
    }

    /// <summary>Stripe number (0-based).</summary>
    public long Index { get; }

    /// <summary>The real chunks, in file order.</summary>
    public IReadOnlyList<Chunk> Chunks => _chunks;

    /// <summary>True when this stripe holds the file's last chunk.</summary>
    public bool IsLast => _chunks[^1].IsLast;

    public void Dispose()
    {
        foreach (Chunk chunk in _chunks)
        {
            chunk.Dispose();
        }
    }
}
