using System.Threading.Channels;
using DataMesh.Core.Peers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataMesh.Core.Transfers;

/// <summary>
/// Moves a file's shards to and from peers in parallel: bounded concurrency, replication-confirmed uploads,
/// k-of-n stripe retrieval with BLAKE3 verification, hedged requests to the fastest holders, retries with backoff,
/// per-peer statistics, progress, and a resume journal. Concurrency 1 is the sequential mode of the same code.
/// </summary>
/// <remarks>Thread-safe: one manager serves any number of concurrent transfers, sharing the peer statistics.</remarks>
internal sealed partial class ConcurrentChunkManager
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IShardNetwork _network;
    private readonly ShardFetcher _fetcher;
    private readonly ShardUploader _uploader;
    private readonly PeerRequests _requests;

    public ConcurrentChunkManager(
        IShardNetwork network,
        PeerStatistics statistics,
        ChunkTransferOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<ConcurrentChunkManager>? logger = null,
        Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(statistics);
        Options = options ?? new ChunkTransferOptions();
        Options.Validate();
        Statistics = statistics;
        _network = network;
        Ranker = new PeerRanker(statistics, random);
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _fetcher = new ShardFetcher(network, Ranker, Options, _time, _logger);
        _uploader = new ShardUploader(network, statistics, Options, _time, _logger);
        _requests = new PeerRequests(statistics, Options.PeerResponseTimeout, _time);
    }

    public ChunkTransferOptions Options { get; }
    public PeerStatistics Statistics { get; }
    public PeerRanker Ranker { get; }

    /// <summary>
    /// Uploads every shard to <see cref="ChunkTransferOptions.ReplicationFactor"/> distinct peers. Returns each shard
    /// with its holders, in input order, or throws <see cref="UploadFailedException"/> listing the shards that did
    /// not reach the target (a failed shard is never reported as stored). With a <paramref name="journal"/>, shards
    /// stored by a previous run are skipped and new ones recorded.
    /// </summary>
    public async Task<UploadResult> UploadAsync(
        IAsyncEnumerable<ShardToUpload> shards,
        TransferTotals? expected = null,
        IProgress<TransferProgress>? progress = null,
        TransferJournal? journal = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shards);
        var monitor = new TransferMonitor(_time, progress, expected?.Bytes, expected?.Shards);
        var scheduler = new UploadScheduler(_uploader, Options, monitor, journal, _logger);
        var (stored, skipped) = await scheduler.RunAsync(shards, cancellationToken).ConfigureAwait(false);
        return new UploadResult(stored, skipped, monitor.Finish());
    }

    /// <inheritdoc cref="UploadAsync(IAsyncEnumerable{ShardToUpload}, TransferTotals?, IProgress{TransferProgress}?, TransferJournal?, CancellationToken)"/>
    public Task<UploadResult> UploadAsync(
        ChannelReader<ShardToUpload> shards,
        TransferTotals? expected = null,
        IProgress<TransferProgress>? progress = null,
        TransferJournal? journal = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shards);
        return UploadAsync(shards.ReadAllAsync(cancellationToken), expected, progress, journal, cancellationToken);
    }

    /// <summary>
    /// Retrieves the stripes and hands each to <paramref name="onStripe"/> in stripe order, as soon as k verified
    /// shards of it are in. Throws <see cref="StripeUnavailableException"/> naming the first stripe that lost more
    /// shards than its parity covers. With a <paramref name="journal"/>, stripes delivered by a previous run are
    /// skipped and new ones recorded after <paramref name="onStripe"/> returns.
    /// </summary>
    public async Task<RetrievalResult> RetrieveAsync(
        IReadOnlyList<StripeDescriptor> stripes,
        StripeHandler onStripe,
        IProgress<TransferProgress>? progress = null,
        TransferJournal? journal = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stripes);
        ArgumentNullException.ThrowIfNull(onStripe);
        var indices = new HashSet<int>();
        long totalBytes = 0;
        int totalShards = 0;
        foreach (var stripe in stripes)
        {
            ArgumentNullException.ThrowIfNull(stripe);
            stripe.Validate();
            if (!indices.Add(stripe.Index))
            {
                throw new ArgumentException($"Stripe index {stripe.Index} appears twice.", nameof(stripes));
            }
            // A short last stripe's zero slots are present from the start and never fetched: not counted, so the
            // progress reaches its total.
            totalShards += stripe.StoredDataShards;
            totalBytes += (long)stripe.StoredDataShards * stripe.ShardLength;
        }
        var monitor = new TransferMonitor(_time, progress, totalBytes, totalShards);
        var retrieval = new StripeRetrieval(_network, _fetcher, Options, monitor, journal, _logger);
        var (delivered, skipped) = await retrieval.RunAsync(stripes, onStripe, cancellationToken).ConfigureAwait(false);
        return new RetrievalResult(delivered, skipped, monitor.Finish());
    }

    /// <summary>Retrieves one stripe (see <see cref="RetrieveAsync"/>).</summary>
    public Task<RetrievalResult> RetrieveStripeAsync(StripeDescriptor stripe, StripeHandler onStripe, CancellationToken cancellationToken = default) =>
        RetrieveAsync([stripe], onStripe, progress: null, journal: null, cancellationToken);
}
