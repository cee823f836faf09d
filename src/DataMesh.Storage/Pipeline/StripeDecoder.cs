using System.Buffers;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Chunking;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Io;
using DataMesh.Storage.Manifests;
using Microsoft.Extensions.Logging;

namespace DataMesh.Storage.Pipeline;

/// <summary>Rebuilds one stripe: fetch and verify its real data shards, fall back to parity until k shards are in
/// hand (virtual padding slots count as present zeros), reconstruct missing data shards, then open each chunk in
/// place and write it at its offset. Layout and padding: <see cref="StripeLayout"/>.</summary>
internal sealed class StripeDecoder(
    Manifest manifest, StripeLayout layout, FileKey key, IShardSource? source, AssemblyFile output,
    InOrderTurnstile hashTurn, ContentHasher plaintextHash, ILogger logger)
{
    private readonly bool _sourceVerifies = source is IVerifiedShardSource;
    private int _stripesRebuilt;
    private int _shardsUnavailable;

    public int StripesRebuilt => Volatile.Read(ref _stripesRebuilt);
    public int ShardsUnavailable => Volatile.Read(ref _shardsUnavailable);

    public async ValueTask DecodeAsync(long stripe, ErasureCoder coder, CancellationToken cancellationToken)
    {
        int k = layout.DataShards, total = layout.ShardsPerStripe;
        int real = layout.DataChunksInStripe(stripe);
        int shardLength = manifest.Stripes[(int)stripe].ShardLength;
        IMemoryOwner<byte>?[] fetched = new IMemoryOwner<byte>?[total];
        AlignedBuffer?[] rented = new AlignedBuffer?[total];
        Memory<byte>[] shards = new Memory<byte>[total];
        bool[] present = new bool[total];
        try
        {
            int have = 0;
            for (int j = real; j < k; j++)
            {
                shards[j] = Rent(rented, j, shardLength, clear: true); // virtual padding slot: known zeros
                present[j] = true;
                have++;
            }
            have += await FetchAllAsync(stripe, 0, real, shardLength, fetched, shards, present, cancellationToken).ConfigureAwait(false);
            bool rebuild = have < k;
            // Parity only when data is missing: ask for exactly as many as are short, then more if some fail too.
            for (int next = k; next < total && have < k;)
            {
                int count = Math.Min(k - have, total - next);
                have += await FetchAllAsync(stripe, next, count, shardLength, fetched, shards, present, cancellationToken).ConfigureAwait(false);
                next += count;
            }
            if (have < k)
            {
                throw new StripeUnrecoverableException(stripe, have, k, [.. Enumerable.Range(0, total).Where(j => !present[j])]);
            }
            if (rebuild)
            {
                for (int j = 0; j < total; j++)
                {
                    if (!present[j])
                    {
                        shards[j] = Rent(rented, j, shardLength, clear: false);
                    }
                }
                coder.ReconstructData(shards, present);
                Interlocked.Increment(ref _stripesRebuilt);
            }
            await OpenAndWriteAsync(stripe, real, shards, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (IMemoryOwner<byte>? owner in fetched)
            {
                owner?.Dispose();
            }
            foreach (AlignedBuffer? buffer in rented)
            {
                buffer?.Dispose();
            }
        }
    }

    /// <summary>Rebuilds and writes a stripe whose shards were fetched elsewhere (by the concurrent chunk manager):
    /// padding slots become zeros, missing data shards are reconstructed from any k present, then each chunk is
    /// opened and written at its offset.</summary>
    public async ValueTask AssembleAsync(long stripe, Memory<byte>[] shards, bool[] present, ErasureCoder coder, CancellationToken cancellationToken)
    {
        int k = layout.DataShards;
        int real = layout.DataChunksInStripe(stripe);
        for (int j = real; j < k; j++)
        {
            if (!present[j])
            {
                shards[j].Span.Clear(); // virtual padding slot: known zeros
                present[j] = true;
            }
        }
        int have = present.Count(p => p);
        if (have < k)
        {
            throw new StripeUnrecoverableException(stripe, have, k, [.. Enumerable.Range(0, present.Length).Where(j => !present[j])]);
        }
        bool rebuild = false;
        for (int j = 0; j < real; j++)
        {
            rebuild |= !present[j];
        }
        if (rebuild)
        {
            coder.ReconstructData(shards, present);
            Interlocked.Increment(ref _stripesRebuilt);
        }
        await OpenAndWriteAsync(stripe, real, shards, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens the stripe's chunks in place, then writes them in one (vectored) write and feeds the whole-file
    /// hash (in stripe order) while it is in flight: the hashing overlaps the disk (both only read the buffers).</summary>
    private async ValueTask OpenAndWriteAsync(long stripe, int real, Memory<byte>[] shards, CancellationToken cancellationToken)
    {
        long first = layout.FirstChunkOf(stripe);
        var plaintext = new ReadOnlyMemory<byte>[real];
        for (int j = 0; j < real; j++)
        {
            long chunk = first + j;
            Memory<byte> sealedChunk = shards[j][..ChunkCipher.SealedLength(layout.ChunkLength(chunk))];
            int plainLength = ChunkCipher.Open(key, manifest.FileId, chunk, layout.IsLastChunk(chunk), sealedChunk.Span, sealedChunk.Span);
            plaintext[j] = sealedChunk[..plainLength];
        }
        // The stripe's chunks are consecutive in the file: one write for all of them, hashed while it is in flight.
        Task write = output.WriteAsync(plaintext, layout.ChunkOffset(first), cancellationToken).AsTask();
        Task hash = HashInTurnAsync(stripe, real, shards, cancellationToken);
        // Both are awaited, failed or not, before the caller gets the buffers back.
        await Task.WhenAll(write, hash).ConfigureAwait(false);
    }

    private async Task HashInTurnAsync(long stripe, int real, Memory<byte>[] shards, CancellationToken cancellationToken)
    {
        await hashTurn.WaitTurnAsync(stripe, cancellationToken).ConfigureAwait(false);
        long first = layout.FirstChunkOf(stripe);
        for (int j = 0; j < real; j++)
        {
            plaintextHash.Append(shards[j].Span[..layout.ChunkLength(first + j)]);
        }
        hashTurn.Complete(stripe);
    }

    /// <summary>Fetches slots [first, first + count) concurrently and returns how many arrived intact. The shards of a
    /// stripe are independent reads (from disk or from peers), so one stripe's latency is one read, not k of them.</summary>
    private async ValueTask<int> FetchAllAsync(long stripe, int first, int count, int shardLength, IMemoryOwner<byte>?[] fetched,
        Memory<byte>[] shards, bool[] present, CancellationToken cancellationToken)
    {
        if (count == 1)
        {
            return await TryFetchAsync(stripe, first, shardLength, fetched, shards, present, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }
        Task<bool>[] fetches = new Task<bool>[count];
        for (int i = 0; i < count; i++)
        {
            fetches[i] = TryFetchAsync(stripe, first + i, shardLength, fetched, shards, present, cancellationToken).AsTask();
        }
        // Every fetch is awaited, failed or not, so no buffer is still being filled when the caller's finally frees them.
        bool[] arrived = await Task.WhenAll(fetches).ConfigureAwait(false);
        return arrived.Count(a => a);
    }

    private async ValueTask<bool> TryFetchAsync(long stripe, int slot, int shardLength, IMemoryOwner<byte>?[] fetched,
        Memory<byte>[] shards, bool[] present, CancellationToken cancellationToken)
    {
        ContentHash address = manifest.Stripes[(int)stripe].Shards[slot];
        IShardSource from = source ?? throw new InvalidOperationException("This stripe decoder assembles fetched stripes; it has no shard source.");
        IMemoryOwner<byte>? owner = await from.TryGetShardAsync(address, stripe, slot, cancellationToken).ConfigureAwait(false);
        if (owner is null)
        {
            Interlocked.Increment(ref _shardsUnavailable);
            return false;
        }
        Memory<byte> bytes = owner.Memory;
        if (bytes.Length != shardLength || (!_sourceVerifies && ContentHash.Compute(bytes.Span) != address))
        {
            owner.Dispose();
            Interlocked.Increment(ref _shardsUnavailable);
            Log.ShardUnavailable(logger, stripe, slot, $"the source returned {bytes.Length} bytes that do not hash to {address}");
            return false;
        }
        fetched[slot] = owner;
        shards[slot] = bytes;
        present[slot] = true;
        return true;
    }

    private static Memory<byte> Rent(AlignedBuffer?[] rented, int slot, int length, bool clear)
    {
        AlignedBuffer buffer = AlignedBufferPool.Shared.Rent(length);
        rented[slot] = buffer;
        Memory<byte> memory = buffer.Memory;
        if (clear)
        {
            memory.Span.Clear();
        }
        return memory;
    }
}
