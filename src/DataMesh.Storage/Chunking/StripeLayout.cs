namespace DataMesh.Storage.Chunking;

/// <summary>How a file of <see cref="FileSize"/> bytes is cut into chunks and grouped into erasure-coded stripes.
/// Pure arithmetic, shared by the encoder and the decoder, so both derive identical sizes from the manifest.
/// <para><b>Chunks.</b> Chunk i covers plaintext bytes [i·ChunkSize, min((i+1)·ChunkSize, FileSize)). Every chunk is
/// exactly <see cref="ChunkSize"/> long except possibly the last. An empty file has one empty chunk (so that even
/// emptiness is sealed and authenticated), hence always at least one chunk and one stripe.</para>
/// <para><b>Stripes.</b> Stripe s holds k data slots for chunks s·k … s·k+k−1, then m parity slots. Every stripe
/// is full except possibly the last, which has <see cref="DataChunksInStripe"/> real chunks.</para>
/// <para><b>Padding.</b> Reed-Solomon needs equal-length shards, so every shard of stripe s is exactly
/// <c>ShardLength(s)</c> bytes: the sealed length of the stripe's first (longest) chunk.
/// (1) A real data shard is its sealed chunk followed by zeros up to ShardLength (only the file's last chunk can be
/// shorter); it is stored and addressed padded. The decoder knows the chunk's true length from this layout and opens
/// only the first <c>ChunkLength + overhead</c> bytes. (2) Data slots past the last real chunk are virtual: ShardLength
/// zero bytes, listed in the manifest under the hash of those zeros so every stripe lists k+m addresses, but never
/// stored, sent or fetched; the decoder supplies them itself. (3) Parity shards are ShardLength bytes.</para></summary>
internal sealed record StripeLayout
{
    /// <summary>Most data + parity shards per stripe (Reed-Solomon over GF(2^8)).</summary>
    public const int MaxShardsPerStripe = 256;

    /// <summary>Most chunks per file (the chunk index is sealed as a 64-bit value, but the manifest lists every
    /// shard, so a practical bound keeps manifests finite).</summary>
    public const long MaxChunkCount = int.MaxValue;

    public StripeLayout(long fileSize, int chunkSize, int dataShards, int parityShards)
    {
        if (chunkSize is < ChunkSizes.MinReadable or > ChunkSizes.Max)
        {
            throw new InvalidLayoutException($"Chunk size {chunkSize} bytes is out of range: a file may use {ChunkSizes.MinReadable} to {ChunkSizes.Max} bytes.");
        }
        if (fileSize < 0)
        {
            throw new InvalidLayoutException($"File size {fileSize} is negative.");
        }
        if (dataShards < 1 || parityShards < 0 || dataShards + parityShards > MaxShardsPerStripe)
        {
            throw new InvalidLayoutException($"Stripe shape k={dataShards}, m={parityShards} is invalid: k must be at least 1, m at least 0, and k+m at most {MaxShardsPerStripe}.");
        }
        long chunkCount = fileSize == 0 ? 1 : ((fileSize - 1) / chunkSize) + 1;
        if (chunkCount > MaxChunkCount)
        {
            throw new InvalidLayoutException($"A file of {fileSize} bytes needs {chunkCount} chunks of {chunkSize} bytes, more than {MaxChunkCount}.");
        }
        FileSize = fileSize;
        ChunkSize = chunkSize;
        DataShards = dataShards;
        ParityShards = parityShards;
        ChunkCount = chunkCount;
        StripeCount = (chunkCount + dataShards - 1) / dataShards;
    }

    public long FileSize { get; }
    public int ChunkSize { get; }

    /// <summary>k: data shards per stripe.</summary>
    public int DataShards { get; }

    /// <summary>m: parity shards per stripe; any m shards of a stripe may be lost.</summary>
    public int ParityShards { get; }

    public int ShardsPerStripe => DataShards + ParityShards;
    public long ChunkCount { get; }
    public long StripeCount { get; }

    public long ChunkOffset(long chunkIndex)
    {
        CheckChunk(chunkIndex);
        return chunkIndex * ChunkSize;
    }

    public int ChunkLength(long chunkIndex)
    {
        CheckChunk(chunkIndex);
        return (int)Math.Min(ChunkSize, FileSize - (chunkIndex * ChunkSize));
    }

    public bool IsLastChunk(long chunkIndex)
    {
        CheckChunk(chunkIndex);
        return chunkIndex == ChunkCount - 1;
    }

    public long FirstChunkOf(long stripe)
    {
        CheckStripe(stripe);
        return stripe * DataShards;
    }

    /// <summary>Real (stored) data chunks in the stripe; the remaining k minus this slots are virtual zero shards.</summary>
    public int DataChunksInStripe(long stripe)
    {
        CheckStripe(stripe);
        return (int)Math.Min(DataShards, ChunkCount - (stripe * DataShards));
    }

    /// <summary>Length every shard of the stripe is padded to for Reed-Solomon: the first chunk's length plus
    /// <paramref name="sealOverhead"/> (what encryption adds per chunk).</summary>
    public int ShardLength(long stripe, int sealOverhead) => ChunkLength(FirstChunkOf(stripe)) + sealOverhead;

    private void CheckChunk(long chunkIndex) => ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((ulong)chunkIndex, (ulong)ChunkCount, nameof(chunkIndex));

    private void CheckStripe(long stripe) => ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((ulong)stripe, (ulong)StripeCount, nameof(stripe));
}
