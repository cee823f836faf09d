using DataMesh.Core.Transfers;

namespace DataMesh.Core.Tests.Transfers;

public sealed class ChunkTransferOptionsTests
{
    [Fact]
    public void Defaults_match_the_performance_chunks_table()
    {
        var options = new ChunkTransferOptions();
        options.Validate();
        Assert.Equal(8, options.MaxConcurrentRetrievals);
        Assert.Equal(12, options.MaxConcurrentUploads);
        Assert.Equal(TimeSpan.FromSeconds(10), options.ChunkTimeout);
        Assert.Equal(3, options.RetryFailedChunks);
        Assert.True(options.PreferFastPeers);
        Assert.Equal(TimeSpan.FromSeconds(5), options.PeerResponseTimeout);
        Assert.Equal(3, options.ReplicationFactor);
    }

    [Fact]
    public void The_hedge_delay_follows_the_peer_p90_within_bounds()
    {
        var options = new ChunkTransferOptions { HedgeLatencyMultiplier = 2, MinHedgeDelay = TimeSpan.FromMilliseconds(50) };
        Assert.Equal(TimeSpan.FromMilliseconds(400), options.HedgeDelayFor(TimeSpan.FromMilliseconds(200)));
        Assert.Equal(TimeSpan.FromMilliseconds(50), options.HedgeDelayFor(TimeSpan.FromMilliseconds(1)));
        Assert.Equal(options.PeerResponseTimeout, options.HedgeDelayFor(TimeSpan.FromSeconds(30)));
        Assert.Equal(options.UnmeasuredPeerHedgeDelay, options.HedgeDelayFor(null));
    }

    [Theory]
    [InlineData(0, 4)]
    [InlineData(8, 0)]
    public void Zero_concurrency_is_refused(int retrievals, int uploads)
    {
        var options = new ChunkTransferOptions { MaxConcurrentRetrievals = retrievals, MaxConcurrentUploads = uploads };
        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Contains("ChunkTransferOptions.MaxConcurrent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Timeouts_Polly_cannot_honour_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(new ChunkTransferOptions { PeerResponseTimeout = TimeSpan.FromMilliseconds(5) }.Validate);
        Assert.Throws<ArgumentOutOfRangeException>(new ChunkTransferOptions { MaxHedgedAttempts = 11 }.Validate);
        Assert.Throws<ArgumentOutOfRangeException>(new ChunkTransferOptions { MinHedgeDelay = TimeSpan.Zero }.Validate);
    }
}
