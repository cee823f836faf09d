namespace DataMesh.Storage.Chunking;

/// <summary>Groups the chunks of a <see cref="ChunkReader"/> into stripes of <c>dataShards</c> chunks.</summary>
internal sealed class StripeReader
{
    private readonly ChunkReader _chunks;
    private readonly int _dataShards;
    private long _nextStripe;
    private bool _done;

    public StripeReader(ChunkReader chunks, int dataShards)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        if (dataShards is < 1 or > StripeLayout.MaxShardsPerStripe)
        {
            throw new InvalidLayoutException($"A stripe holds 1 to {StripeLayout.MaxShardsPerStripe} data shards, not {dataShards}.");
        }
        _chunks = chunks;
        _dataShards = dataShards;
    }

    /// <summary>The next stripe, which the caller now owns, or null when the input is exhausted.</summary>
    public async ValueTask<ChunkStripe?> ReadNextAsync(CancellationToken cancellationToken)
    {
        if (_done)
        {
            return null;
        }
        List<Chunk> chunks = new(_dataShards);
        try
        {
            while (chunks.Count < _dataShards)
            {
                Chunk? chunk = await _chunks.ReadNextAsync(cancellationToken).ConfigureAwait(false);
                if (chunk is null)
                {
                    _done = true;
                    break;
                }
                chunks.Add(chunk);
                if (chunk.IsLast)
                {
                    _done = true;
                    break;
                }
            }
        }
        catch
        {
            chunks.ForEach(c => c.Dispose());
            throw;
        }
        return chunks.Count == 0 ? null : new ChunkStripe(_nextStripe++, [.. chunks]);
    }
}
