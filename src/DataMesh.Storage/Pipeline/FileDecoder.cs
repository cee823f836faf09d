using DataMesh.Storage.Chunking;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Keys;
using DataMesh.Storage.Manifests;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace DataMesh.Storage.Pipeline;

/// <summary>The streaming decoder: manifest and shards in, the verified plaintext file out.
/// <para>Stripes are rebuilt <see cref="DecodeOptions.Parallelism"/> at a time and each chunk is written at its own
/// offset of a temporary file next to the destination, in whatever order stripes finish; the whole-file BLAKE3 is
/// fed in file order as stripes complete (<see cref="InOrderTurnstile"/>). Only when it matches the manifest is the
/// temporary file moved into place, so a wrong or partial file is never left at the destination.</para></summary>
public static class FileDecoder
{
    /// <summary>Decodes with default <see cref="DecodeOptions"/> (never overwriting).</summary>
    public static Task<DecodeResult> DecodeAsync(Manifest manifest, UserIdentity recipient, IShardSource source,
        string destinationPath, CancellationToken cancellationToken) =>
        DecodeAsync(manifest, recipient, source, destinationPath, new DecodeOptions(), null, cancellationToken);

    /// <summary>Decodes the file <paramref name="manifest"/> describes to <paramref name="destinationPath"/>.</summary>
    /// <exception cref="DestinationExistsException">The destination exists and <see cref="DecodeOptions.Overwrite"/> is off.</exception>
    /// <exception cref="WrongKeyException">The file was not shared with <paramref name="recipient"/>.</exception>
    /// <exception cref="StripeUnrecoverableException">Some stripe has fewer than k retrievable shards.</exception>
    /// <exception cref="PlaintextHashMismatchException">The result does not match the manifest's plaintext hash.</exception>
    public static async Task<DecodeResult> DecodeAsync(Manifest manifest, UserIdentity recipient, IShardSource source,
        string destinationPath, DecodeOptions options, IProgress<PipelineProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationPath);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ILogger logger = options.Logger;

        string destination = Path.GetFullPath(destinationPath);
        ThrowIfDestinationTaken(destination, options.Overwrite);
        StripeLayout layout = CheckLayout(manifest);
        using FileKey key = manifest.UnwrapFileKey(recipient);

        string name = Path.GetFileName(destination);
        string temp = Path.Combine(Path.GetDirectoryName(destination)!, $".{name[..Math.Min(name.Length, 100)]}.{Guid.NewGuid():N}.partial");
        bool moved = false;
        try
        {
            StripeDecoder decoder;
            using (SafeFileHandle output = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None,
                       FileOptions.Asynchronous, preallocationSize: layout.FileSize))
            {
                using ContentHasher plaintextHash = new();
                decoder = new StripeDecoder(manifest, layout, key, source, output, new InOrderTurnstile(), plaintextHash, logger);
                ErasureCoder coder = new(layout.DataShards, layout.ParityShards); // thread-safe, shared by all stripes
                long stripesDone = 0, bytesDone = 0;
                await Parallel.ForEachAsync(LongRange(layout.StripeCount),
                    new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken },
                    async (stripe, ct) =>
                    {
                        await decoder.DecodeAsync(stripe, coder, ct);
                        long bytes = StripeBytes(layout, stripe);
                        progress?.Report(new PipelineProgress(Interlocked.Add(ref bytesDone, bytes), layout.FileSize, Interlocked.Increment(ref stripesDone)));
                    });

                ContentHash actual = plaintextHash.GetHash();
                if (actual != manifest.PlaintextHash)
                {
                    throw new PlaintextHashMismatchException(manifest.PlaintextHash.ToString(), actual.ToString());
                }
                if (RandomAccess.GetLength(output) != layout.FileSize)
                {
                    RandomAccess.SetLength(output, layout.FileSize);
                }
                if (options.FlushToDisk)
                {
                    using FileStream flusher = new(output, FileAccess.ReadWrite, bufferSize: 0, isAsync: true);
                    flusher.Flush(flushToDisk: true);
                }
            }
            MoveIntoPlace(temp, destination, options.Overwrite);
            moved = true;
            Log.Decoded(logger, layout.FileSize, destination, decoder.StripesRebuilt, decoder.ShardsUnavailable);
            return new DecodeResult(destination, layout.FileSize, decoder.StripesRebuilt, decoder.ShardsUnavailable);
        }
        finally
        {
            if (!moved)
            {
                ChunkStore.AtomicFile.TryDelete(temp);
            }
        }
    }

    private static void ThrowIfDestinationTaken(string destination, bool overwrite)
    {
        if (Directory.Exists(destination) || (!overwrite && File.Exists(destination)))
        {
            throw new DestinationExistsException(destination);
        }
    }

    private static void MoveIntoPlace(string temp, string destination, bool overwrite)
    {
        try
        {
            File.Move(temp, destination, overwrite);
        }
        catch (IOException ex) when (!overwrite && File.Exists(destination))
        {
            throw new DestinationExistsException(destination, ex);
        }
    }

    /// <summary>The manifest's stripe list must match what its own sizes imply, before any shard is fetched.</summary>
    private static StripeLayout CheckLayout(Manifest manifest)
    {
        StripeLayout layout;
        try
        {
            layout = new StripeLayout(manifest.PlaintextSize, manifest.ChunkSize, manifest.DataShards, manifest.ParityShards);
        }
        catch (InvalidLayoutException ex)
        {
            throw new ManifestLayoutException($"The manifest describes an impossible layout: {ex.Message}");
        }
        if (manifest.Stripes.Count != layout.StripeCount)
        {
            throw new ManifestLayoutException($"The manifest lists {manifest.Stripes.Count} stripes; its sizes imply {layout.StripeCount}.");
        }
        for (int s = 0; s < manifest.Stripes.Count; s++)
        {
            int expected = layout.ShardLength(s, ChunkCipher.TagLength);
            if (manifest.Stripes[s].ShardLength != expected || manifest.Stripes[s].Shards.Length != layout.ShardsPerStripe)
            {
                throw new ManifestLayoutException($"Stripe {s} of the manifest has {manifest.Stripes[s].Shards.Length} shards of {manifest.Stripes[s].ShardLength} bytes; the layout implies {layout.ShardsPerStripe} of {expected}.");
            }
        }
        return layout;
    }

    private static long StripeBytes(StripeLayout layout, long stripe)
    {
        long first = layout.FirstChunkOf(stripe);
        long bytes = 0;
        for (int j = 0; j < layout.DataChunksInStripe(stripe); j++)
        {
            bytes += layout.ChunkLength(first + j);
        }
        return bytes;
    }

    private static IEnumerable<long> LongRange(long count)
    {
        for (long i = 0; i < count; i++)
        {
            yield return i;
        }
    }
}
