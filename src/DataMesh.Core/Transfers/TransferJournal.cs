using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataMesh.Core.Transfers;

/// <summary>
/// Append-only record of a transfer's finished work, so a rerun with the same arguments skips it: stripes delivered
/// (retrieval, file beside the destination) and shards stored with their holders (upload, file in the data dir).
/// </summary>
/// <remarks>
/// One text line per record, ending in a CRC-32 of the line: <c>T 17 1a2b3c4d</c> (stripe 17 delivered),
/// <c>S &lt;shard hex&gt; &lt;peer&gt;,&lt;peer&gt; 1a2b3c4d</c> (shard stored), <c>E 17 &lt;digest hex&gt; 1a2b3c4d</c> (stripe 17 encoded
/// into shards whose addresses hash to the digest, written to stable storage before any of them leaves), <c>K &lt;token&gt;
/// 1a2b3c4d</c> (what the caller needs to repeat the work identically, e.g. a wrapped key; never a plain secret). The
/// first line names the operation; a journal of another operation is discarded with a warning. The file is created
/// readable by its owner only. A torn or damaged line (crash mid-write) ends the readable part: it and
/// anything after it are cut off and later records append after the last intact one. Thread-safe.
/// </remarks>
internal sealed partial class TransferJournal : IAsyncDisposable
{
    public const string FileExtension = ".dmjournal";
    private const string Magic = "DMJ1";
    private const int MaxOperationKeyLength = 128;

    private readonly object _gate = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly HashSet<int> _stripes = [];
    private readonly Dictionary<ContentHash, PeerId[]> _shards = [];
    private readonly Dictionary<int, ContentHash> _encoded = [];
    private readonly TransferJournalOptions _options;
    private readonly ILogger _logger;
    private FileStream? _file;
    private int _unsynced;

    private TransferJournal(string path, string operationKey, TransferJournalOptions options, ILogger logger)
    {
        FilePath = path;
        OperationKey = operationKey;
        _options = options;
        _logger = logger;
    }

    public string FilePath { get; }
    public string OperationKey { get; }

    /// <summary>Records found when the journal was opened (work a previous run finished).</summary>
    public int ResumedRecords { get; private set; }

    public int CompletedStripeCount
    {
        get { lock (_gate) { return _stripes.Count; } }
    }

    public int StoredShardCount
    {
        get { lock (_gate) { return _shards.Count; } }
    }

    /// <summary>The token recorded by <see cref="RecordResumeTokenAsync"/>, or null.</summary>
    public string? ResumeToken { get; private set; }

    /// <summary>False once records can no longer be written (size limit, I/O error, abandoned).</summary>
    public bool IsRecording => Volatile.Read(ref _file) is not null;

    /// <summary>The journal for a download into <paramref name="destinationFile"/>: beside it.</summary>
    public static string PathBeside(string destinationFile) => destinationFile + FileExtension;

    /// <summary>The journal for an upload identified by <paramref name="operationKey"/>, in <paramref name="directory"/>.</summary>
    public static string PathInDirectory(string directory, string operationKey)
    {
        ValidateKey(operationKey);
        return Path.Combine(directory, operationKey + FileExtension);
    }

    /// <summary>
    /// Opens (or creates) the journal at <paramref name="path"/> for the operation <paramref name="operationKey"/>
    /// (letters, digits, '.', '_', '-': e.g. a manifest id). Existing records of the same operation are loaded.
    /// </summary>
    public static async Task<TransferJournal> OpenAsync(string path, string operationKey, TransferJournalOptions? options = null,
        ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ValidateKey(operationKey);
        options ??= new TransferJournalOptions();
        options.Validate();
        var journal = new TransferJournal(path, operationKey, options, logger ?? NullLogger.Instance);
        try
        {
            await journal.LoadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await journal.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return journal;
    }

    public bool IsStripeComplete(int stripeIndex)
    {
        lock (_gate) { return _stripes.Contains(stripeIndex); }
    }

    public bool TryGetStoredShard(ContentHash shard, out IReadOnlyList<PeerId> holders)
    {
        lock (_gate)
        {
            if (_shards.TryGetValue(shard, out var found))
            {
                holders = found;
                return true;
            }
        }
        holders = [];
        return false;
    }

    public ValueTask RecordStripeCompleteAsync(int stripeIndex, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stripeIndex);
        lock (_gate)
        {
            if (!_stripes.Add(stripeIndex))
            {
                return default;
            }
        }
        return new ValueTask(AppendAsync($"T {stripeIndex}", cancellationToken).AsTask());
    }

    public ValueTask RecordShardStoredAsync(ContentHash shard, IReadOnlyList<PeerId> holders, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(holders);
        if (holders.Count == 0)
        {
            throw new ArgumentException("A stored shard has at least one holder.", nameof(holders));
        }
        lock (_gate)
        {
            if (!_shards.TryAdd(shard, [.. holders]))
            {
                return default;
            }
        }
        return new ValueTask(AppendAsync($"S {shard} {string.Join(',', holders)}", cancellationToken).AsTask());
    }

    public bool TryGetStripeEncoded(int stripeIndex, out ContentHash digest)
    {
        lock (_gate) { return _encoded.TryGetValue(stripeIndex, out digest); }
    }

    /// <summary>Records that a stripe was encoded into shards whose addresses hash to <paramref name="digest"/>, on
    /// stable storage before returning. False when it could not be recorded (the journal no longer records).</summary>
    public async ValueTask<bool> RecordStripeEncodedAsync(int stripeIndex, ContentHash digest, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stripeIndex);
        lock (_gate)
        {
            if (_encoded.TryGetValue(stripeIndex, out var known))
            {
                return known == digest;
            }
            _encoded.Add(stripeIndex, digest);
        }
        return await AppendAsync($"E {stripeIndex} {digest}", cancellationToken, durable: true).ConfigureAwait(false);
    }

    /// <summary>Records an opaque token (letters, digits, '+', '/', '=', '.', '-', '_'; at most 4096 characters) that a
    /// rerun needs, durably. Only one per journal. False when it could not be recorded.</summary>
    public async ValueTask<bool> RecordResumeTokenAsync(string token, CancellationToken cancellationToken = default)
    {
        if (!TransferJournalLines.IsToken(token))
        {
            throw new ArgumentException("A resume token is 1..4096 letters, digits, '+', '/', '=', '.', '-' or '_'.", nameof(token));
        }
        lock (_gate)
        {
            if (ResumeToken is not null)
            {
                throw new InvalidOperationException("The journal already holds a resume token.");
            }
            ResumeToken = token;
        }
        return await AppendAsync($"K {token}", cancellationToken, durable: true).ConfigureAwait(false);
    }

    /// <summary>Closes and deletes the journal without finishing: a rerun starts from scratch. For when the journal can
    /// no longer vouch for what was done (a record that had to precede some work could not be written).</summary>
    public async ValueTask AbandonAsync()
    {
        await DeleteAsync().ConfigureAwait(false);
    }

    /// <summary>The transfer is finished: closes and deletes the journal.</summary>
    public async ValueTask DeleteAsync()
    {
        await DisposeAsync().ConfigureAwait(false);
        File.Delete(FilePath);
    }

    public async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_file is not null)
            {
                try
                {
                    _file.Flush(flushToDisk: true);
                }
                catch (IOException ex)
                {
                    Log.JournalWriteFailed(_logger, FilePath, ex);
                }
                await _file.DisposeAsync().ConfigureAwait(false);
                _file = null;
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask<bool> AppendAsync(string payload, CancellationToken cancellationToken, bool durable = false)
    {
        byte[] line = TransferJournalLines.Encode(payload);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_file is null)
            {
                return false;
            }
            if (_file.Length + line.Length > _options.MaxBytes)
            {
                Log.JournalFull(_logger, FilePath, _options.MaxBytes);
                await _file.DisposeAsync().ConfigureAwait(false);
                _file = null;
                return false;
            }
            try
            {
                // Not cancellable once started: a half-written line is exactly what the checksum guards against,
                // but there is no reason to cause one.
                await _file.WriteAsync(line, CancellationToken.None).ConfigureAwait(false);
                await _file.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                if (durable || ++_unsynced >= _options.SyncEvery)
                {
                    _file.Flush(flushToDisk: true);
                    _unsynced = 0;
                }
                return true;
            }
            catch (IOException ex)
            {
                // The journal only saves work on a rerun; losing it must not fail the transfer itself.
                Log.JournalWriteFailed(_logger, FilePath, ex);
                await _file.DisposeAsync().ConfigureAwait(false);
                _file = null;
                return false;
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static void ValidateKey(string operationKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(operationKey);
        if (operationKey.Length > MaxOperationKeyLength
            || !operationKey.All(static c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw new ArgumentException(
                $"A journal operation key is 1..{MaxOperationKeyLength} letters, digits, '.', '_' or '-'.", nameof(operationKey));
        }
    }
}
