using System.Buffers;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Chunking;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Io;
using DataMesh.Storage.Keys;
using DataMesh.Storage.Manifests;
using Microsoft.Win32.SafeHandles;

namespace DataMesh.Storage.Pipeline;

public sealed partial class FileAssembler
{
    /// <summary>Stripes at the start of the file that an earlier, interrupted assembly had written and that were
    /// found intact (<see cref="OpenResumableAsync"/>).</summary>
    public long StripesResumed { get; private set; }

    /// <summary>The temporary file of a resumable assembly: hidden, beside the destination, named after the file's id
    /// so a rerun for the same file and destination finds it.</summary>
    public static string PartialPathFor(Manifest manifest, string destinationPath)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationPath);
        string destination = Path.GetFullPath(destinationPath);
        string name = Path.GetFileName(destination);
        return Path.Combine(Path.GetDirectoryName(destination)!, $".{name[..Math.Min(name.Length, 100)]}.{manifest.FileId.ToString()[..16]}.partial");
    }

    /// <summary>
    /// Like <see cref="Create(Manifest, UserIdentity, string, DecodeOptions?)"/>, but in the fixed temporary file of
    /// <see cref="PartialPathFor"/>, which is kept when the assembler is disposed before completion. The first
    /// <paramref name="stripesWritten"/> stripes already in it are not trusted: each chunk is sealed again and must hash
    /// to its shard address in the manifest. Those that match, up to the first that does not, count as written
    /// (<see cref="StripesResumed"/>) and feed the whole-file hash; stripes from there on must be written again.
    /// </summary>
    public static async Task<FileAssembler> OpenResumableAsync(Manifest manifest, UserIdentity recipient, string destinationPath,
        long stripesWritten, DecodeOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationPath);
        ArgumentOutOfRangeException.ThrowIfNegative(stripesWritten);
        options ??= new DecodeOptions();
        options.Validate();
        string destination = Path.GetFullPath(destinationPath);
        FileDecoder.ThrowIfDestinationTaken(destination, options.Overwrite);
        StripeLayout layout = FileDecoder.CheckLayout(manifest);
        FileKey key = manifest.UnwrapFileKey(recipient);
        string temp = PartialPathFor(manifest, destination);
        FileAssembler? assembler = null;
        try
        {
            AssemblyFile output = AssemblyFile.OpenForResume(temp, layout.FileSize, layout.ChunkSize, keepContent: stripesWritten > 0, out bool kept);
            if (!kept)
            {
                stripesWritten = 0;
            }
            assembler = new FileAssembler(manifest, layout, key, destination, temp, output, options, source: null) { _keepPartial = true };
            assembler.StripesResumed = await assembler.VerifyWrittenAsync(Math.Min(stripesWritten, layout.StripeCount), cancellationToken).ConfigureAwait(false);
            return assembler;
        }
        catch
        {
            if (assembler is null)
            {
                key.Dispose();
            }
            else
            {
                assembler.Dispose();
            }
            throw;
        }
    }

    /// <summary>Deletes the temporary file now (its content cannot be trusted, e.g. the whole-file hash failed); the
    /// assembler is disposed.</summary>
    public void DeletePartial()
    {
        _keepPartial = false;
        Dispose();
        AtomicFile.TryDelete(_temp);
    }

    private async Task<long> VerifyWrittenAsync(long stripes, CancellationToken cancellationToken)
    {
        int shardLength = stripes == 0 ? 1 : _manifest.Stripes[0].ShardLength; // the first stripe's shards are the longest
        byte[] plain = ArrayPool<byte>.Shared.Rent(shardLength);
        byte[] sealedChunk = ArrayPool<byte>.Shared.Rent(shardLength);
        try
        {
            for (long stripe = 0; stripe < stripes; stripe++)
            {
                if (!await IsStripeIntactAsync(stripe, plain, sealedChunk, cancellationToken).ConfigureAwait(false))
                {
                    // Part of this stripe went into the file hash: start it again over the intact prefix only.
                    await RehashPrefixAsync(Layout.ChunkOffset(Layout.FirstChunkOf(stripe)), plain, cancellationToken).ConfigureAwait(false);
                    return stripe;
                }
                await _hashTurn.WaitTurnAsync(stripe, cancellationToken).ConfigureAwait(false);
                _hashTurn.Complete(stripe);
            }
            return stripes;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain, clearArray: true);
            ArrayPool<byte>.Shared.Return(sealedChunk);
        }
    }

    /// <summary>Reads each chunk of the stripe back from the file, seals it again (sealing is deterministic for a key,
    /// file id and position) and compares it with the manifest's shard address, feeding the whole-file hash as it goes.</summary>
    private async Task<bool> IsStripeIntactAsync(long stripe, byte[] plain, byte[] sealedChunk, CancellationToken cancellationToken)
    {
        ManifestStripe described = _manifest.Stripes[(int)stripe];
        long first = Layout.FirstChunkOf(stripe);
        for (int j = 0; j < Layout.DataChunksInStripe(stripe); j++)
        {
            long chunk = first + j;
            int length = Layout.ChunkLength(chunk);
            int read = await RandomAccess.ReadAsync(_output.Buffered, plain.AsMemory(0, length), Layout.ChunkOffset(chunk), cancellationToken).ConfigureAwait(false);
            if (read != length)
            {
                return false;
            }
            int sealedLength = ChunkCipher.Seal(_key, _manifest.FileId, chunk, Layout.IsLastChunk(chunk), plain.AsSpan(0, length), sealedChunk);
            sealedChunk.AsSpan(sealedLength, described.ShardLength - sealedLength).Clear();
            if (ContentHash.Compute(sealedChunk.AsSpan(0, described.ShardLength)) != described.Shards[j])
            {
                return false;
            }
            _plaintextHash.Append(plain.AsSpan(0, length));
        }
        return true;
    }

    private async Task RehashPrefixAsync(long length, byte[] buffer, CancellationToken cancellationToken)
    {
        _plaintextHash.Reset();
        for (long offset = 0; offset < length;)
        {
            int read = await RandomAccess.ReadAsync(_output.Buffered, buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - offset)), offset, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException($"The partial file '{_temp}' shrank while it was being checked.");
            }
            _plaintextHash.Append(buffer.AsSpan(0, read));
            offset += read;
        }
    }
}
