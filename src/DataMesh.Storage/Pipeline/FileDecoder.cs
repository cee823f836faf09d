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
internal static class FileDecoder
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
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        using FileAssembler assembler = FileAssembler.Create(manifest, recipient, destinationPath, options, source);
        StripeLayout layout = assembler.Layout;
        long stripesDone = 0, bytesDone = 0;
        await Parallel.ForEachAsync(LongRange(layout.StripeCount),
            new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken },
            async (stripe, ct) =>
            {
                await assembler.FetchAndWriteStripeAsync(stripe, ct).ConfigureAwait(false);
                long bytes = StripeBytes(layout, stripe);
                progress?.Report(new PipelineProgress(Interlocked.Add(ref bytesDone, bytes), layout.FileSize, Interlocked.Increment(ref stripesDone)));
            }).ConfigureAwait(false);
        return await assembler.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    internal static void ThrowIfDestinationTaken(string destination, bool overwrite)
    {
        if (Directory.Exists(destination) || (!overwrite && File.Exists(destination)))
        {
            throw new DestinationExistsException(destination);
        }
    }

    internal static void MoveIntoPlace(string temp, string destination, bool overwrite)
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
    internal static StripeLayout CheckLayout(Manifest manifest)
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
