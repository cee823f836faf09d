using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Chunking;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Manifests;

namespace DataMesh.Storage.Pipeline;

/// <summary>The streaming encoder: plaintext in, shards to a sink, a signed manifest out.
/// <para>Flow: one reader cuts the input into chunks, groups them into stripes and feeds the whole-file BLAKE3 in
/// the same pass; a bounded channel of <see cref="EncodeOptions.StripesInFlight"/> stripes feeds
/// <see cref="EncodeOptions.Parallelism"/> coders, each sealing, erasure-coding, hashing and storing one stripe at a
/// time. Memory is bounded by that window, not by the file size.</para></summary>
public static class FileEncoder
{
    /// <summary>Encodes the file at <paramref name="path"/>.</summary>
    public static async Task<EncodeResult> EncodeAsync(string path, EncodeOptions options, IShardSink sink,
        IProgress<PipelineProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        FileStream input = new(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            BufferSize = 0, // chunks are read straight into their own buffers
        });
        await using (input.ConfigureAwait(false))
        {
            return await EncodeAsync(input, options, sink, progress, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Encodes <paramref name="input"/> from its current position to its end.</summary>
    public static async Task<EncodeResult> EncodeAsync(Stream input, EncodeOptions options, IShardSink sink,
        IProgress<PipelineProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        options.Validate();
        long? total = input.CanSeek ? input.Length - input.Position : null;
        FileMetadata metadata = new(options.Name, options.Tags); // validated before any work is done

        FileId fileId = options.FileId ?? FileId.Generate();
        using FileKey? ownKey = options.FileKey is null ? FileKey.Generate() : null;
        FileKey key = options.FileKey ?? ownKey!;
        using ContentHasher plaintextHash = new();
        using ChunkReader chunkReader = new(input, options.ChunkSize, trailingCapacity: ChunkCipher.TagLength);
        StripeReader stripeReader = new(chunkReader, options.DataShards);
        Channel<ChunkStripe> queue = Channel.CreateBounded<ChunkStripe>(new BoundedChannelOptions(options.StripesInFlight)
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        ConcurrentDictionary<long, ManifestStripe> stripes = new();
        ErasureCoder coder = new(options.DataShards, options.ParityShards); // thread-safe, shared by the coders
        long bytesDone = 0, stripesDone = 0;

        async Task ReadAsync(CancellationToken ct)
        {
            try
            {
                while (await stripeReader.ReadNextAsync(ct).ConfigureAwait(false) is { } stripe)
                {
                    foreach (Chunk chunk in stripe.Chunks)
                    {
                        plaintextHash.Append(chunk.Data.Span);
                    }
                    try
                    {
                        await queue.Writer.WriteAsync(stripe, ct).ConfigureAwait(false);
                    }
                    catch
                    {
                        stripe.Dispose();
                        throw;
                    }
                }
                queue.Writer.Complete();
            }
            catch (Exception ex)
            {
                queue.Writer.TryComplete(ex);
                throw;
            }
        }

        async Task CodeAsync(CancellationToken ct)
        {
            StripeEncoder encoder = new(key, fileId, coder, sink);
            await foreach (ChunkStripe stripe in queue.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                using (stripe)
                {
                    long bytes = stripe.Chunks.Sum(c => (long)c.Length);
                    stripes[stripe.Index] = await encoder.EncodeAsync(stripe, ct).ConfigureAwait(false);
                    long done = Interlocked.Add(ref bytesDone, bytes);
                    progress?.Report(new PipelineProgress(done, total, Interlocked.Increment(ref stripesDone)));
                }
            }
        }

        try
        {
            List<Func<CancellationToken, Task>> stages = [ReadAsync];
            stages.AddRange(Enumerable.Repeat<Func<CancellationToken, Task>>(CodeAsync, options.Parallelism));
            await PipelineStages.RunAsync(stages, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            while (queue.Reader.TryRead(out ChunkStripe? leftover))
            {
                leftover.Dispose();
            }
        }

        StripeLayout layout = new(chunkReader.BytesRead, options.ChunkSize, options.DataShards, options.ParityShards);
        ManifestStripe[] ordered = new ManifestStripe[layout.StripeCount];
        for (long s = 0; s < ordered.Length; s++)
        {
            ordered[s] = stripes.TryGetValue(s, out ManifestStripe? stripe)
                ? stripe
                : throw new InvalidOperationException($"Stripe {s} was not encoded."); // unreachable: every stage completed
        }
        Manifest manifest = Manifest.Create(fileId, key, metadata, options.Owner.PublicIdentity, options.Recipients,
            layout.FileSize, plaintextHash.GetHash(), options.ChunkSize, options.DataShards, options.ParityShards,
            ordered, options.TimeProvider.GetUtcNow());
        ArrayBufferWriter<byte> encoded = new();
        ManifestAddress address = ManifestCodec.Write(manifest, options.Owner, encoded);
        Log.Encoded(options.Logger, layout.FileSize, ordered.Length, options.DataShards, options.ParityShards, address);
        return new EncodeResult(manifest, address, encoded.WrittenMemory);
    }
}
