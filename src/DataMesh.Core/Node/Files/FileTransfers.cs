using System.Threading.Channels;
using DataMesh.Core.Configuration;
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
    /// channel that the chunk manager drains with at most MaxConcurrency uploads in flight, each shard confirmed by
    /// replication_factor peers, the shards of a stripe on distinct peers. The signed manifest is stored like a shard;
    /// its address is the file key.</summary>
    /// <remarks>Resumable: progress goes to a journal in the data directory (keyed by the file's path, size, time and
    /// the shard settings), so rerunning an interrupted send of the same unchanged file uploads only the shards not
    /// yet confirmed. The journal holds the file key wrapped to this user's identity, never in the clear, and is
    /// deleted when the send completes.</remarks>
    /// <exception cref="UploadFailedException">Some shard could not reach its replication target (lists which and why).</exception>
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
        string journalPath = ResumeJournals.UploadJournalPath(_dataDirectory, source);
        string operation = ResumeJournals.UploadOperationKey(info, storage.ChunkSize, storage.DataShards, storage.ParityShards,
            _options.Network.ReplicationFactor);
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
                        SendFileResult result = await SendWithKeysAsync(info, options, keys, journal, resumed, progress, cancellationToken).ConfigureAwait(false);
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

    private async Task<SendFileResult> SendWithKeysAsync(FileInfo info, SendFileOptions options, UploadKeyMaterial keys,
        TransferJournal? journal, bool resumed, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var storage = _options.Storage;
        string source = info.FullName;
        ConcurrentChunkManager manager = _managers.Create(maxUploads: options.MaxConcurrency);
        var encodeOptions = new EncodeOptions
        {
            Owner = _user,
            Name = options.Name ?? info.Name,
            Tags = options.Tags,
            Recipients = options.Recipients,
            ChunkSize = storage.ChunkSize,
            DataShards = storage.DataShards,
            ParityShards = storage.ParityShards,
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
        Task<UploadResult> upload = manager.UploadAsync(shards.Reader, ExpectedUpload(info.Length, storage.ChunkSize, storage.DataShards, storage.ParityShards),
            progress, journal, transfer.Token);
        EncodeResult encoded;
        try
        {
            var sink = new SendShardSink(shards.Writer, storage.DataShards, journal, _logger);
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
            catch (UploadFailedException) when (error is not SourceChangedException)
            {
                throw;
            }
            catch (Exception) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // the encoder's error below is the cause
            }
            throw;
        }
        UploadResult uploaded = await upload.ConfigureAwait(false);

        // The manifest is tiny and without it nothing can be read: it gets at least one copy more than a stripe can
        // lose shards, so it survives whatever the data survives.
        int manifestCopies = Math.Max(_options.Network.ReplicationFactor, storage.ParityShards + 1);
        ConcurrentChunkManager manifestUploader = _managers.Create(options.MaxConcurrency, replicationFactor: manifestCopies);
        await manifestUploader.UploadAsync(OneShard(new ShardToUpload(encoded.Address.Hash, encoded.EncodedManifest)), cancellationToken: cancellationToken).ConfigureAwait(false);
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
