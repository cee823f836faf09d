using System.Threading.Channels;
using DataMesh.Core.Configuration;
using DataMesh.Core.Durability;
using DataMesh.Core.Transfers;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Catalog;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Keys;
using DataMesh.Storage.Manifests;
using DataMesh.Storage.Pipeline;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Node.Files;

/// <summary>Sending and receiving files: encode and upload, fetch and assemble, each resumable from its journal.</summary>
internal sealed partial class FileTransfers(DataMeshOptions options, UserIdentity user, FileCatalog catalog, string dataDirectory,
    ChunkManagerFactory managers, ManifestSource manifests, TimeProvider time, ILoggerFactory loggerFactory)
{
    private readonly DataMeshOptions _options = options;
    private readonly UserIdentity _user = user;
    private readonly FileCatalog _catalog = catalog;
    private readonly string _dataDirectory = dataDirectory;
    private readonly ChunkManagerFactory _managers = managers;
    private readonly ManifestSource _manifests = manifests;
    private readonly TimeProvider _time = time;
    private readonly ILoggerFactory _loggerFactory = loggerFactory;
    private readonly ILogger _logger = loggerFactory.CreateLogger<FileTransfers>();

    /// <summary>Encrypts, erasure-codes and stores a file on the mesh: the encoder streams shards into a bounded
    /// channel that the chunk manager drains with at most MaxConcurrency uploads in flight. The layout comes from the
    /// storage peers reachable and the node losses to survive (tolerated_node_failures, or
    /// <see cref="SendFileOptions.ToleratedFailures"/>): one shard of a stripe per node, each stored once
    /// (<see cref="Durability.LayoutPolicy"/>); a fixed layout (data_shards/parity_shards) stores each shard
    /// replication_factor times. The signed manifest is stored on f + 1 nodes; its address is the file key. The
    /// result says how many node losses what was acknowledged survives, counted per stripe as a matching of shards
    /// to distinct nodes (Tahoe-LAFS's servers of happiness).</summary>
    /// <remarks>Resumable: progress goes to a journal in the data directory (keyed by the file's path, size, time,
    /// chunk size and the layout chosen), so rerunning an interrupted send of the same unchanged file over the same
    /// mesh uploads only the shards not yet confirmed; when the mesh changed so that another layout is chosen, the
    /// send starts over (a file never mixes layouts). The journal holds the file key wrapped to this user's identity,
    /// never in the clear, and is deleted when the send completes.</remarks>
    /// <exception cref="Durability.InsufficientStoragePeersException">Fewer than 2 storage peers are reachable (and not
    /// <see cref="SendFileOptions.Force"/>), or none.</exception>
    /// <exception cref="Durability.DurabilityShortfallException">Some stripe or the manifest could not be placed on
    /// enough distinct nodes for the tolerance the mesh allows.</exception>
    /// <exception cref="UploadFailedException">With a fixed layout: some shard could not reach its replication target.</exception>
    public async Task<SendFileResult> SendFileAsync(string path, SendFileOptions? options = null,
        IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new SendFileOptions();
        string source = Path.GetFullPath(path);
        var info = new FileInfo(source);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"Cannot send '{source}': the file does not exist.", source);
        }
        var storage = _options.Storage;
        SendLayout layout = await ChooseLayoutAsync(source, options, cancellationToken).ConfigureAwait(false);
        string journalPath = ResumeJournals.UploadJournalPath(_dataDirectory, source);
        string operation = ResumeJournals.UploadOperationKey(info, storage.ChunkSize, layout.Layout);
        TransferJournal? journal = await ResumeJournals.TryOpenAsync(journalPath, operation, _logger, cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                (UploadKeyMaterial keys, journal, bool resumed) = await OpenUploadKeysAsync(journal, journalPath, operation, cancellationToken).ConfigureAwait(false);
                using (keys)
                {
                    try
                    {
                        SendFileResult result = await SendWithKeysAsync(info, options, layout, keys, journal, resumed, progress, cancellationToken).ConfigureAwait(false);
                        if (journal is not null)
                        {
                            await journal.DeleteAsync().ConfigureAwait(false);
                            journal = null;
                        }
                        return result;
                    }
                    catch (SourceChangedException changed) when (journal is not null)
                    {
                        Log.JournalDiscarded(_logger, journalPath, changed.Message);
                        await journal.AbandonAsync().ConfigureAwait(false);
                        journal = await ResumeJournals.TryOpenAsync(journalPath, operation, _logger, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
        finally
        {
            if (journal is not null)
            {
                await journal.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The key of the interrupted upload the journal describes, or a new one recorded in it.</summary>
    private async Task<(UploadKeyMaterial Keys, TransferJournal? Journal, bool Resumed)> OpenUploadKeysAsync(
        TransferJournal? journal, string journalPath, string operation, CancellationToken cancellationToken)
    {
        if (journal is not null && (journal.ResumeToken is not null || journal.ResumedRecords > 0))
        {
            if (journal.ResumeToken is { } token && UploadKeyMaterial.TryOpen(token, _user) is { } resumedKeys)
            {
                Log.Resuming(_logger, "upload", journalPath, journal.StoredShardCount);
                return (resumedKeys, journal, true);
            }
            Log.JournalDiscarded(_logger, journalPath, "its key does not open with this identity");
            await journal.AbandonAsync().ConfigureAwait(false);
            journal = await ResumeJournals.TryOpenAsync(journalPath, operation, _logger, cancellationToken).ConfigureAwait(false);
        }
        var keys = UploadKeyMaterial.Generate();
        if (journal is not null && !await journal.RecordResumeTokenAsync(keys.ToToken(_user.PublicIdentity), cancellationToken).ConfigureAwait(false))
        {
            Log.JournalDiscarded(_logger, journalPath, "the key could not be recorded");
            await journal.AbandonAsync().ConfigureAwait(false);
            journal = null;
        }
        return (keys, journal, false);
    }

    private async Task<SendFileResult> SendWithKeysAsync(FileInfo info, SendFileOptions options, SendLayout layout, UploadKeyMaterial keys,
        TransferJournal? journal, bool resumed, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var storage = _options.Storage;
        string source = info.FullName;
        int k = layout.Layout.DataShards, m = layout.Layout.ParityShards;
        ConcurrentChunkManager manager = _managers.Create(maxUploads: options.MaxConcurrency, replicationFactor: layout.Layout.Copies);
        var encodeOptions = new EncodeOptions
        {
            Owner = _user,
            Name = options.Name ?? info.Name,
            Tags = options.Tags,
            Recipients = options.Recipients,
            ChunkSize = storage.ChunkSize,
            DataShards = k,
            ParityShards = m,
            FileKey = keys.Key,
            FileId = keys.Id,
            TimeProvider = _time,
            Logger = _loggerFactory.CreateLogger("DataMesh.Storage.Pipeline"),
        };

        // Bounded: the encoder waits while the uploads lag, so memory stays at a few stripes whatever the file size.
        var shards = Channel.CreateBounded<ShardToUpload>(new BoundedChannelOptions(manager.Options.MaxConcurrentUploads * 2)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var transfer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<UploadResult> upload = manager.UploadAsync(shards.Reader, ExpectedUpload(info.Length, storage.ChunkSize, k, m),
            progress, journal, transfer.Token);
        if (layout.Choice is { } choice)
        {
            Log.LayoutChosen(_logger, encodeOptions.Name, layout.Layout, choice.StoragePeers, choice.ExpectedFailures, choice.TargetFailures);
            if (choice.ShortfallMessage is { } shortfall)
            {
                Log.BelowTarget(_logger, shortfall);
            }
        }
        EncodeResult encoded;
        try
        {
            var sink = new SendShardSink(shards.Writer, k, layout.Layout.Copies, layout.StoragePeers, journal, _logger);
            encoded = await FileEncoder.EncodeAsync(source, encodeOptions, sink, null, transfer.Token).ConfigureAwait(false);
            shards.Writer.Complete();
        }
        catch (Exception error)
        {
            // Stop the uploads and wait for them: nothing outlives the call. The upload's own failure, if it came
            // first (a full channel makes the encoder wait on a dead reader), is the one worth reporting.
            shards.Writer.TryComplete(error);
            await transfer.CancelAsync().ConfigureAwait(false);
            try
            {
                await upload.ConfigureAwait(false);
            }
            catch (UploadFailedException failed) when (error is not SourceChangedException)
            {
                if (layout.Choice is not null)
                {
                    throw PlacementFailed(layout, failed);
                }
                throw;
            }
            catch (Exception) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // the encoder's error below is the cause
            }
            throw;
        }
        UploadResult uploaded;
        try
        {
            uploaded = await upload.ConfigureAwait(false);
        }
        catch (UploadFailedException failed) when (layout.Choice is not null)
        {
            throw PlacementFailed(layout, failed);
        }

        // The manifest is tiny and without it nothing can be read: it survives whatever the data survives.
        ConcurrentChunkManager manifestUploader = _managers.Create(options.MaxConcurrency, replicationFactor: layout.ManifestCopies);
        UploadResult manifestUploaded;
        try
        {
            manifestUploaded = await manifestUploader.UploadAsync(OneShard(new ShardToUpload(encoded.Address.Hash, encoded.EncodedManifest)),
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (UploadFailedException failed) when (layout.Choice is not null)
        {
            throw ManifestFailed(layout, failed);
        }
        StoredDurability durability = Measure(encoded.Manifest, uploaded, manifestUploaded.Shards[0], encoded.EncodedManifest.Length);
        if (layout.Choice is { } chosen && durability.ToleratedFailures < chosen.ExpectedFailures)
        {
            throw new DurabilityShortfallException(
                $"The acknowledged placement survives {durability.ToleratedFailures} node loss(es), not the {chosen.ExpectedFailures} that " +
                $"{chosen.StoragePeers} storage peers allow: some shards of a stripe share a node. Send again.",
                chosen.ExpectedFailures, durability.ToleratedFailures);
        }
        await _manifests.PublishRecordAsync(encoded.Address, encoded.EncodedManifest, cancellationToken).ConfigureAwait(false);

        Manifest manifest = encoded.Manifest;
        await _catalog.AddAsync(new CatalogEntry
        {
            FileKey = encoded.Address.ToString(),
            ManifestAddress = encoded.Address.Hash.ToString(),
            Name = encodeOptions.Name,
            Size = manifest.PlaintextSize,
            Tags = options.Tags,
            CreatedUtc = manifest.CreatedAt,
            ChunkSize = manifest.ChunkSize,
            DataShards = manifest.DataShards,
            ParityShards = manifest.ParityShards,
            StripeCount = manifest.Stripes.Count,
            RecipientCount = manifest.WrappedKeys.Count,
        }, cancellationToken).ConfigureAwait(false);
        string fileKey = encoded.Address.ToString();
        Log.Sent(_logger, encodeOptions.Name, manifest.PlaintextSize, fileKey, uploaded.Statistics.Duration);
        return new SendFileResult(encoded.Address, encodeOptions.Name, source, manifest.PlaintextSize, manifest.Stripes.Count,
            uploaded.Shards.Count, manifest.DataShards, manifest.ParityShards, uploaded.Statistics)
        {
            ShardsSkipped = uploaded.SkippedFromJournal,
            Resumed = resumed,
            ToleratedFailures = durability.ToleratedFailures,
            TargetFailures = layout.TargetFailures,
            StoragePeers = layout.StoragePeers,
            StoredBytes = durability.StoredBytes,
            Warning = layout.Choice?.ShortfallMessage,
        };
    }

    private static async IAsyncEnumerable<ShardToUpload> OneShard(ShardToUpload shard)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        yield return shard;
    }

    private static TransferTotals ExpectedUpload(long size, int chunkSize, int k, int m)
    {
        long chunks = Math.Max(1, (size + chunkSize - 1) / chunkSize);
        long stripes = (chunks + k - 1) / k;
        long shards = chunks + (stripes * m);
        // Progress counts file bytes: the data shards (each chunk sealed with its tag), not the parity.
        long bytes = size + (chunks * ChunkCipher.TagLength);
        return new TransferTotals((int)Math.Min(shards, int.MaxValue), bytes);
    }
}
