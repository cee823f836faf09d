using DataMesh.Core.Peers;
using DataMesh.Libp2p.Identity;
using Polly;
using Polly.Timeout;

namespace DataMesh.Core.Transfers;

/// <summary>
/// The one way a single request outside the shard fetch and upload pipelines (a survey query, a maintenance store, a
/// delete) reaches one peer: bounded by a Polly per-peer timeout (peer_response_timeout), its outcome recorded in
/// the peer statistics the way shard transfers record theirs.
/// </summary>
/// <remarks>An answer is a success (latency and bytes recorded); an honest refusal (<see cref="PeerRefusedException"/>)
/// is passed on uncharged; no answer in time is a timeout, thrown as <see cref="PeerTimeoutException"/>; any other
/// error is a failure of the peer, passed on. Cancellation by the caller is never charged.</remarks>
internal sealed class PeerRequests
{
    private readonly PeerStatistics _statistics;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _pipeline;

    public PeerRequests(PeerStatistics statistics, TimeSpan timeout, TimeProvider time)
    {
        _statistics = statistics;
        _timeout = timeout;
        _time = time;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddTimeout(new TimeoutStrategyOptions { Timeout = timeout })
            .Build();
    }

    /// <summary>Sends one request to <paramref name="peer"/>; <paramref name="bytesSent"/> and <paramref name="bytesReceived"/>
    /// are what the statistics record for a successful answer.</summary>
    public async Task<T> SendAsync<T>(PeerId peer, Func<CancellationToken, Task<T>> request, long bytesSent, Func<T, long> bytesReceived,
        CancellationToken cancellationToken)
    {
        long started = _time.GetTimestamp();
        try
        {
            T answer = await _pipeline.ExecuteAsync(static async (call, token) => await call(token).ConfigureAwait(false), request, cancellationToken)
                .ConfigureAwait(false);
            _statistics.RecordSuccess(peer, _time.GetElapsedTime(started), bytesReceived(answer), bytesSent);
            return answer;
        }
        catch (TimeoutRejectedException timeout) when (!cancellationToken.IsCancellationRequested)
        {
            _statistics.RecordTimeout(peer);
            throw new PeerTimeoutException(peer, _timeout, timeout);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (PeerRefusedException)
        {
            throw;
        }
        catch (Exception)
        {
            _statistics.RecordFailure(peer);
            throw;
        }
    }

    /// <inheritdoc cref="SendAsync{T}(PeerId, Func{CancellationToken, Task{T}}, long, Func{T, long}, CancellationToken)"/>
    public Task SendAsync(PeerId peer, Func<CancellationToken, Task> request, long bytesSent, CancellationToken cancellationToken) =>
        SendAsync(peer, async token =>
        {
            await request(token).ConfigureAwait(false);
            return true;
        }, bytesSent, static _ => 0, cancellationToken);
}
