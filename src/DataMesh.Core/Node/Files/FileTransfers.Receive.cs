using DataMesh.Core.Exchange;
using DataMesh.Core.Transfers;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Manifests;
using DataMesh.Storage.Pipeline;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Node.Files;

internal sealed partial class FileTransfers
{
    /// <summary>Fetches the manifest, then the shards with at most MaxConcurrency requests in flight (k per stripe,
    /// hedged, verified), rebuilds each stripe from any k shards, and writes the file, moved into place only when its
    /// whole-file hash matches.</summary>
    /// <remarks>Resumable: the file is assembled in a hidden <c>*.partial</c> file beside the destination with a
    /// journal of the stripes written. An interrupted receive keeps both; rerunning it with the same file key and
    /// destination checks the stripes already written against the manifest and fetches only the rest. Both are deleted
    /// on success, or when the result fails its hash.</remarks>
    /// <param name="destination">A file path, or an existing directory to receive the file under its stored name;
    /// null for the current directory.</param>
    /// <exception cref="StripeUnavailableException">Too many shards of some stripe are gone.</exception>
    public async Task<ReceiveFileResult> ReceiveFileAsync(ManifestAddress fileKey, string? destination, ReceiveFileOptions? options = null,
        IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new ReceiveFileOptions();
        ConcurrentChunkManager manager = _managers.Create(maxRetrievals: options.MaxConcurrency);
        Manifest manifest = await _manifests.FetchAsync(manager, fileKey, cancellationToken).ConfigureAwait(false);
        string name = manifest.DecryptMetadata(_user).Name;
        string target = ResolveDestination(destination, name, fileKey);
        var decodeOptions = new DecodeOptions
        {
            Overwrite = options.Overwrite,
            Logger = _loggerFactory.CreateLogger("DataMesh.Storage.Pipeline"),
        };
        if (!options.Overwrite && (File.Exists(target) || System.IO.Directory.Exists(target)))
        {
            throw new DestinationExistsException(target); // before any journal or partial file is made for it
        }

        string journalPath = TransferJournal.PathBeside(FileAssembler.PartialPathFor(manifest, target));
        string operation = ResumeJournals.DownloadOperationKey(fileKey);
        TransferJournal? journal = await ResumeJournals.TryOpenAsync(journalPath, operation, _logger, cancellationToken).ConfigureAwait(false);
        FileAssembler? assembler = null;
        bool finished = false; // succeeded, or failed in a way that leaves nothing worth resuming
        try
        {
            assembler = await FileAssembler.OpenResumableAsync(manifest, _user, target, WrittenPrefix(journal), decodeOptions, cancellationToken)
                .ConfigureAwait(false);
            int resumed = (int)assembler.StripesResumed;
            journal = await AlignJournalAsync(journal, resumed, journalPath, operation, cancellationToken).ConfigureAwait(false);
            if (resumed > 0)
            {
                Log.Resuming(_logger, "download", journalPath, resumed);
            }
            FileAssembler writer = assembler;
            RetrievalResult retrieved = await manager.RetrieveAsync(
                [.. StripeDescriptor.FromManifest(manifest).Skip(resumed)],
                (stripe, ct) => writer.WriteStripeAsync(stripe.Index, stripe.Shards, stripe.Present, ct),
                progress, journal, cancellationToken).ConfigureAwait(false);
            DecodeResult decoded = await assembler.CompleteAsync(cancellationToken).ConfigureAwait(false);
            finished = true;
            string keyText = fileKey.ToString();
            Log.Received(_logger, keyText, decoded.Path, decoded.Size, retrieved.Statistics.Duration);
            return new ReceiveFileResult(fileKey, name, decoded.Path, decoded.Size, manifest.Stripes.Count, decoded.StripesRebuilt, retrieved.Statistics)
            {
                StripesSkipped = resumed,
                Resumed = resumed > 0,
            };
        }
        catch (PlaintextHashMismatchException)
        {
            finished = true; // the partial file cannot be trusted
            throw;
        }
        finally
        {
            // An interrupted receive keeps its partial file and journal for a rerun, if any stripe made it in.
            if (!finished && journal is { CompletedStripeCount: > 0 })
            {
                assembler?.Dispose();
                await journal.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                assembler?.DeletePartial();
                if (journal is not null)
                {
                    await journal.DeleteAsync().ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Stripes 0..n-1 the journal says were written (stripes are delivered in order, so what a run finished
    /// is a prefix; anything recorded past a gap is not relied on).</summary>
    private static long WrittenPrefix(TransferJournal? journal)
    {
        int prefix = 0;
        while (journal is not null && journal.IsStripeComplete(prefix))
        {
            prefix++;
        }
        return prefix;
    }

    /// <summary>Makes the journal record exactly the stripes found intact, so the retrieval skips nothing else.</summary>
    private async Task<TransferJournal?> AlignJournalAsync(TransferJournal? journal, int intact, string journalPath, string operation,
        CancellationToken cancellationToken)
    {
        if (journal is null || journal.CompletedStripeCount == intact)
        {
            return journal;
        }
        Log.JournalDiscarded(_logger, journalPath, $"{journal.CompletedStripeCount} stripes recorded, {intact} found intact in the partial file");
        await journal.AbandonAsync().ConfigureAwait(false);
        journal = await ResumeJournals.TryOpenAsync(journalPath, operation, _logger, cancellationToken).ConfigureAwait(false);
        for (int stripe = 0; journal is not null && stripe < intact; stripe++)
        {
            await journal.RecordStripeCompleteAsync(stripe, cancellationToken).ConfigureAwait(false);
        }
        return journal;
    }

    /// <summary>Reads and verifies a file's manifest without fetching the file (names, sizes, layout).</summary>
    public async Task<Manifest> GetManifestAsync(ManifestAddress fileKey, CancellationToken cancellationToken = default) =>
        await _manifests.FetchAsync(_managers.Create(), fileKey, cancellationToken).ConfigureAwait(false);

    private static string ResolveDestination(string? destination, string storedName, ManifestAddress fileKey)
    {
        // The stored name comes from the sender: keep only its last segment so it cannot climb out of the folder.
        string safeName = Path.GetFileName(storedName.Replace('\\', '/').Split('/')[^1]);
        if (string.IsNullOrWhiteSpace(safeName) || safeName is "." or "..")
        {
            safeName = $"datamesh-{fileKey.Hash.ToString()[..16]}";
        }
        if (string.IsNullOrEmpty(destination))
        {
            return Path.Combine(Environment.CurrentDirectory, safeName);
        }
        string full = Path.GetFullPath(destination);
        return System.IO.Directory.Exists(full) ? Path.Combine(full, safeName) : full;
    }
}
