using System.Collections.Immutable;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Chunking;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Io;
using DataMesh.Storage.Manifests;

namespace DataMesh.Storage.Pipeline;

/// <summary>Turns one stripe of plaintext chunks into k+m shards: seal each chunk in place, zero-pad to the stripe's
/// shard length, add virtual zero shards for empty slots, compute parity, hash every shard, hand the real ones to
/// the sink (concurrently), and describe the stripe for the manifest. Layout and padding: <see cref="StripeLayout"/>.</summary>
internal sealed class StripeEncoder(FileKey key, FileId fileId, ErasureCoder coder, IShardSink sink)
{
    public async Task<ManifestStripe> EncodeAsync(ChunkStripe stripe, CancellationToken cancellationToken)
    {
        int k = coder.DataShards, m = coder.ParityShards;
        IReadOnlyList<Chunk> chunks = stripe.Chunks;
        int shardLength = ChunkCipher.SealedLength(chunks[0].Length); // the first chunk of a stripe is its longest
        AlignedBuffer? zeros = null;
        AlignedBuffer?[] parityBuffers = new AlignedBuffer?[m];
        try
        {
            ReadOnlyMemory<byte>[] data = new ReadOnlyMemory<byte>[k];
            for (int j = 0; j < chunks.Count; j++)
            {
                Chunk chunk = chunks[j];
                Span<byte> buffer = chunk.Buffer.Span;
                int sealedLength = ChunkCipher.Seal(key, fileId, chunk.Index, chunk.IsLast, buffer[..chunk.Length], buffer);
                buffer[sealedLength..shardLength].Clear();
                data[j] = chunk.Buffer[..shardLength];
            }
            if (chunks.Count < k)
            {
                zeros = AlignedBufferPool.Shared.Rent(shardLength);
                zeros.Memory.Span.Clear();
                for (int j = chunks.Count; j < k; j++)
                {
                    data[j] = zeros.Memory;
                }
            }
            Memory<byte>[] parity = new Memory<byte>[m];
            for (int p = 0; p < m; p++)
            {
                AlignedBuffer buffer = AlignedBufferPool.Shared.Rent(shardLength);
                parityBuffers[p] = buffer;
                parity[p] = buffer.Memory;
            }
            coder.EncodeParity(data, parity);

            ContentHash[] addresses = new ContentHash[k + m];
            ContentHash? zeroAddress = null;
            for (int j = 0; j < k; j++)
            {
                addresses[j] = j < chunks.Count ? ContentHash.Compute(data[j].Span) : zeroAddress ??= ContentHash.Compute(data[j].Span);
            }
            for (int p = 0; p < m; p++)
            {
                addresses[k + p] = ContentHash.Compute(parity[p].Span);
            }

            if (sink is IStripeShardSink stripeSink)
            {
                await stripeSink.StripeEncodedAsync(stripe.Index, addresses, chunks.Count, cancellationToken).ConfigureAwait(false);
            }
            Task[] puts = new Task[chunks.Count + m];
            for (int j = 0; j < chunks.Count; j++)
            {
                puts[j] = PutAsync(addresses[j], data[j], stripe.Index, j, cancellationToken);
            }
            for (int p = 0; p < m; p++)
            {
                puts[chunks.Count + p] = PutAsync(addresses[k + p], parity[p], stripe.Index, k + p, cancellationToken);
            }
            // Every put is awaited, failed or not, before the finally block returns the buffers they read.
            await Task.WhenAll(puts).ConfigureAwait(false);
            return new ManifestStripe(shardLength, ImmutableArray.Create(addresses));
        }
        finally
        {
            zeros?.Dispose();
            foreach (AlignedBuffer? buffer in parityBuffers)
            {
                buffer?.Dispose();
            }
        }
    }

    /// <summary>An async wrapper, so a sink that throws synchronously still yields a task to wait for.</summary>
    private async Task PutAsync(ContentHash address, ReadOnlyMemory<byte> shard, long stripe, int index, CancellationToken cancellationToken) =>
        await sink.PutShardAsync(address, shard, stripe, index, cancellationToken).ConfigureAwait(false);
}
