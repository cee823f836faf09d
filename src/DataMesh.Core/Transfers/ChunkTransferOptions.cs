namespace DataMesh.Core.Transfers;

/// <summary>
/// Settings of the <see cref="ConcurrentChunkManager"/>: the <c>[performance.chunks]</c> table of config.toml plus the
/// replication factor from <c>[network]</c> and the hedging/backoff knobs. A concurrency of 1 is the sequential
/// mode (same code path).
/// </summary>
internal sealed record ChunkTransferOptions
{
    // Polly's timeout strategy refuses anything at or below 10 ms.
    private static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(11);

    /// <summary>Shard retrievals in flight across a whole file (<c>max_concurrent_retrievals</c>). Hedged requests
    /// for a shard already in flight do not take another slot; at most <see cref="MaxHedgedAttempts"/> extra per shard.</summary>
    public int MaxConcurrentRetrievals { get; init; } = 8;

    /// <summary>Shards being uploaded at once (<c>max_concurrent_uploads</c>); each goes to <see cref="ReplicationFactor"/> peers in parallel.
    /// 12: under the durability policy each shard is stored once, and over links with a round trip of tens of
    /// milliseconds a link serving one request at a time idles between answers; 12 keeps as many store requests in
    /// flight as 4 shards × 3 copies did before the policy.</summary>
    public int MaxConcurrentUploads { get; init; } = 12;

    /// <summary>Bound on one whole shard operation: every peer, hedge and retry (<c>chunk_timeout_secs</c>).</summary>
    public TimeSpan ChunkTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of a failed shard operation, each with backoff and preferring other peers (<c>retry_failed_chunks</c>).</summary>
    public int RetryFailedChunks { get; init; } = 3;

    /// <summary>Rank holders by observed speed and reliability instead of randomly (<c>prefer_fast_peers</c>).</summary>
    public bool PreferFastPeers { get; init; } = true;

    /// <summary>Bound on one request to one peer (<c>peer_response_timeout_secs</c>).</summary>
    public TimeSpan PeerResponseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Distinct peers that must acknowledge every uploaded shard (<c>[network] replication_factor</c>).</summary>
    public int ReplicationFactor { get; init; } = 3;

    /// <summary>Extra peers asked for the same shard when the previous ones are slow (0 disables hedging; Polly allows up to 10).</summary>
    public int MaxHedgedAttempts { get; init; } = 2;

    /// <summary>Lower bound of the hedge delay. The delay is the p90 latency of the peer asked last times
    /// <see cref="HedgeLatencyMultiplier"/>, clamped to [<see cref="MinHedgeDelay"/>, <see cref="PeerResponseTimeout"/>].</summary>
    public TimeSpan MinHedgeDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Margin over the peer's p90 latency before hedging: at 1.0 about one request in ten would be
    /// duplicated by design; 1.5 keeps hedges for the genuinely slow answers.</summary>
    public double HedgeLatencyMultiplier { get; init; } = 1.5;

    /// <summary>Hedge delay for a peer with no latency history yet.</summary>
    public TimeSpan UnmeasuredPeerHedgeDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>First retry backoff; doubles per retry (with jitter) up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Extra placement candidates requested beyond the replication factor, as fallbacks when a peer refuses.</summary>
    public int SparePlacementPeers { get; init; } = 3;

    /// <summary>When retrieving a stripe, ask first the peers <see cref="StripePlacement"/> puts each shard on (where
    /// this manager's uploads put them) besides the holders the network names. Off only for shards placed some other way.</summary>
    public bool UsePlacementHints { get; init; } = true;

    /// <summary>Stripes held in memory at once while retrieving (being fetched or waiting to be delivered in order).</summary>
    public int MaxStripesInMemory { get; init; } = 4;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        Require(MaxConcurrentRetrievals >= 1, nameof(MaxConcurrentRetrievals), MaxConcurrentRetrievals, "must be at least 1");
        Require(MaxConcurrentUploads >= 1, nameof(MaxConcurrentUploads), MaxConcurrentUploads, "must be at least 1");
        Require(ChunkTimeout >= MinTimeout, nameof(ChunkTimeout), ChunkTimeout, "must be more than 10 ms");
        Require(RetryFailedChunks is >= 0 and <= 100, nameof(RetryFailedChunks), RetryFailedChunks, "must be 0..100");
        Require(PeerResponseTimeout >= MinTimeout, nameof(PeerResponseTimeout), PeerResponseTimeout, "must be more than 10 ms");
        Require(ReplicationFactor is >= 1 and <= 64, nameof(ReplicationFactor), ReplicationFactor, "must be 1..64");
        Require(MaxHedgedAttempts is >= 0 and <= 10, nameof(MaxHedgedAttempts), MaxHedgedAttempts, "must be 0..10");
        Require(HedgeLatencyMultiplier is >= 1.0 and <= 100.0, nameof(HedgeLatencyMultiplier), HedgeLatencyMultiplier, "must be 1..100");
        // Zero would make Polly re-ask the action generator in a tight loop while no further peer is eligible.
        Require(MinHedgeDelay >= TimeSpan.FromMilliseconds(1), nameof(MinHedgeDelay), MinHedgeDelay, "must be at least 1 ms");
        Require(UnmeasuredPeerHedgeDelay >= TimeSpan.Zero, nameof(UnmeasuredPeerHedgeDelay), UnmeasuredPeerHedgeDelay, "must not be negative");
        Require(RetryBaseDelay >= TimeSpan.Zero, nameof(RetryBaseDelay), RetryBaseDelay, "must not be negative");
        Require(RetryMaxDelay >= RetryBaseDelay, nameof(RetryMaxDelay), RetryMaxDelay, "must be at least RetryBaseDelay");
        Require(SparePlacementPeers is >= 0 and <= 64, nameof(SparePlacementPeers), SparePlacementPeers, "must be 0..64");
        Require(MaxStripesInMemory is >= 1 and <= 1024, nameof(MaxStripesInMemory), MaxStripesInMemory, "must be 1..1024");
    }

    internal TimeSpan HedgeDelayFor(TimeSpan? observedP90)
    {
        var delay = observedP90 is { } p90 ? p90 * HedgeLatencyMultiplier : UnmeasuredPeerHedgeDelay;
        return delay < MinHedgeDelay ? MinHedgeDelay : delay > PeerResponseTimeout ? PeerResponseTimeout : delay;
    }

    private static void Require(bool condition, string name, object value, string rule)
    {
        if (!condition)
        {
            throw new ArgumentOutOfRangeException(name, value, $"ChunkTransferOptions.{name} {rule}.");
        }
    }
}
