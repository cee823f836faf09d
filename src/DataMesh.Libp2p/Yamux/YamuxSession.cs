using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataMesh.Libp2p.Yamux;

/// <summary>
/// A yamux (/yamux/1.0.0) session multiplexing streams over one connection. After <see cref="Start"/> the
/// session owns the connection: a read loop dispatches incoming frames, a write loop serialises outgoing ones
/// (streams take turns, one data frame each), and a keep-alive loop measures RTT and pings. Disposing sends
/// GoAway, stops and awaits the loops, fails the remaining streams and completes both sides of the connection.
/// </summary>
/// <remarks>
/// Memory is bounded by flow control: each stream buffers at most its receive window (auto-tuned from
/// <see cref="YamuxOptions.InitialWindowSize"/> up to <see cref="YamuxOptions.MaxWindowSize"/>, within a session
/// budget); a peer sending beyond it ends the session with <see cref="YamuxProtocolException"/>.
/// </remarks>
internal sealed partial class YamuxSession : IAsyncDisposable
{
    private const int MaxPendingControlFrames = 64;

    private readonly IDuplexPipe _connection;
    private readonly bool _isInitiator;
    private readonly ConcurrentDictionary<uint, YamuxStream> _streams = new();
    private readonly Channel<YamuxStream> _acceptQueue;
    private readonly Channel<OutboundItem> _outbound;
    private readonly SemaphoreSlim _controlSlots = new(MaxPendingControlFrames, MaxPendingControlFrames);
    private readonly YamuxWindowBudget _windowBudget;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly CancellationTokenSource _writeDeadline;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _stateGate = new();
    private readonly MemoryPool<byte> _pool = MemoryPool<byte>.Shared;

    private uint _nextStreamId;
    private long _lastTrafficTicks;
    private int _streamCount;
    private bool _started;
    private bool _terminated;
    private bool _goAwaySent;
    private bool _remoteGoAway;
    private Exception? _terminationReason;
    private Task? _run;
    private TaskCompletionSource? _disposal;

    public YamuxSession(IDuplexPipe connection, bool isInitiator, YamuxOptions options, TimeProvider timeProvider, ILogger<YamuxSession>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        _connection = connection;
        _isInitiator = isInitiator;
        Options = options;
        TimeProvider = timeProvider;
        Logger = logger ?? (ILogger)NullLogger.Instance;
        _nextStreamId = isInitiator ? 1u : 2u;
        _windowBudget = new YamuxWindowBudget(options.SessionWindowGrowthBudget);
        _acceptQueue = Channel.CreateBounded<YamuxStream>(new BoundedChannelOptions(options.AcceptBacklog) { SingleWriter = true });
        _outbound = Channel.CreateUnbounded<OutboundItem>(new UnboundedChannelOptions { SingleReader = true });
        _writeDeadline = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        _lastTrafficTicks = timeProvider.GetUtcNow().UtcTicks;
    }

    /// <summary>Ends when the session ends: successfully on a clean close, faulted with the reason otherwise.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Streams currently open (either direction), including inbound ones not yet accepted.</summary>
    public int ActiveStreamCount => Volatile.Read(ref _streamCount);

    /// <summary>True once the session has ended or is ending.</summary>
    public bool IsClosed
    {
        get
        {
            lock (_stateGate)
            {
                return _terminated;
            }
        }
    }

    /// <summary>When data last flowed on any stream of this Yamux session, either way (its creation counts as the first).
    /// Pings and window updates do not count: they say the peer is alive, not that the session is used.</summary>
    internal DateTimeOffset LastTraffic => new(Interlocked.Read(ref _lastTrafficTicks), TimeSpan.Zero);

    internal YamuxOptions Options { get; }

    internal TimeProvider TimeProvider { get; }

    internal ILogger Logger { get; }

    private string Role => _isInitiator ? "initiator" : "listener";

    /// <summary>Starts the read, write and keep-alive loops. From now on the session owns the connection.</summary>
    public void Start()
    {
        lock (_stateGate)
        {
            ObjectDisposedException.ThrowIf(_terminated, this);
            if (_started)
            {
                throw new InvalidOperationException("The yamux session is already started.");
            }

            _started = true;
        }

        _run = Task.Run(RunAsync);
    }

    /// <summary>
    /// Opens a stream (SYN is sent with its first frame; no round trip is awaited).
    /// </summary>
    /// <exception cref="YamuxStreamLimitException"><see cref="YamuxOptions.MaxStreams"/> streams are open, or ids are exhausted.</exception>
    /// <exception cref="YamuxSessionClosedException">The session ended or the remote peer sent GoAway.</exception>
    public ValueTask<YamuxStream> OpenStreamAsync(CancellationToken cancellationToken) =>
        OpenStreamAsync(Options.InitialWindowSize, cancellationToken);

    /// <summary>
    /// Opens a stream whose receive window starts at <paramref name="receiveWindow"/>: the SYN frame itself grants
    /// the peer everything beyond the 256 KiB it assumes, so a large answer (a 1 MiB shard) flows at link speed
    /// from its first byte instead of waiting for window updates over several round trips.
    /// </summary>
    /// <remarks>
    /// The grant beyond <see cref="YamuxOptions.InitialWindowSize"/> is drawn from the same session budget as
    /// auto-tuning growth (<see cref="YamuxOptions.SessionWindowGrowthBudget"/>), so a session still buffers at most
    /// <see cref="YamuxOptions.MaxStreams"/> × <see cref="YamuxOptions.InitialWindowSize"/> plus that budget, however
    /// many streams ask. When the budget is spent the stream opens with the usual window (slower, never refused).
    /// </remarks>
    /// <param name="receiveWindow">From <see cref="YamuxOptions.InitialWindowSize"/> to <see cref="YamuxOptions.MaxWindowSize"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="receiveWindow"/> is outside that range.</exception>
    public ValueTask<YamuxStream> OpenStreamAsync(int receiveWindow, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(receiveWindow, Options.InitialWindowSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(receiveWindow, Options.MaxWindowSize);
        cancellationToken.ThrowIfCancellationRequested();
        YamuxStream stream;
        lock (_stateGate)
        {
            ThrowIfCannotOpenLocked();
            if (_streamCount >= Options.MaxStreams)
            {
                throw new YamuxStreamLimitException($"Cannot open a yamux stream: {Options.MaxStreams} streams are already open.");
            }

            if (_nextStreamId > uint.MaxValue - 2)
            {
                throw new YamuxStreamLimitException("Cannot open a yamux stream: the session's stream ids are exhausted.");
            }

            uint id = _nextStreamId;
            _nextStreamId += 2;
            stream = CreateStream(id, locallyOpened: true, ReserveGrant(receiveWindow));
            _streams[id] = stream;
            _streamCount++;
        }

        stream.RequestSend();
        return ValueTask.FromResult(stream);
    }

    /// <summary>Waits for the next stream opened by the remote peer (and acknowledges it).</summary>
    /// <exception cref="YamuxSessionClosedException">The session ended.</exception>
    public async ValueTask<YamuxStream> AcceptStreamAsync(CancellationToken cancellationToken)
    {
        try
        {
            YamuxStream stream = await _acceptQueue.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (IsClosed)
            {
                // A stream still in the backlog when the session ended is already failed; do not hand it out.
                throw new YamuxSessionClosedException("The yamux session has ended; no more streams will be accepted.", TerminationReason);
            }

            stream.RequestSend();
            return stream;
        }
        catch (ChannelClosedException)
        {
            throw new YamuxSessionClosedException("The yamux session has ended; no more streams will be accepted.", TerminationReason);
        }
    }

    /// <summary>Tells the peer this side accepts no new streams (existing streams continue).</summary>
    public async Task GoAwayAsync(YamuxGoAwayCode code, CancellationToken cancellationToken)
    {
        lock (_stateGate)
        {
            ThrowIfTerminatedLocked();
            _goAwaySent = true;
        }

        await EnqueueControlAsync(new YamuxFrameHeader(YamuxFrameType.GoAway, YamuxFrameFlags.None, 0, (uint)code), awaitWritten: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the session (see the class remarks). Concurrent and repeated calls all wait for the one disposal.</summary>
    public async ValueTask DisposeAsync()
    {
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource? first = Interlocked.CompareExchange(ref _disposal, mine, null);
        if (first is not null)
        {
            // Another caller is disposing (a connection closes from its accept loop and from its owner at once):
            // disposing the token sources under its feet would fail its Terminate.
            await first.Task.ConfigureAwait(false);
            return;
        }

        try
        {
            await DisposeCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            mine.TrySetResult();
        }
    }

    private async Task DisposeCoreAsync()
    {
        Task? run;
        lock (_stateGate)
        {
            run = _run;
        }

        Terminate(null, YamuxGoAwayCode.Normal);
        if (run is not null)
        {
            await run.ConfigureAwait(false);
        }
        else
        {
            // Never started: the connection was never used by us, but it was handed over, so close it.
            await _connection.Input.CompleteAsync().ConfigureAwait(false);
            await _connection.Output.CompleteAsync().ConfigureAwait(false);
            _completion.TrySetResult();
        }

        _shutdown.Dispose();
        _writeDeadline.Dispose();
        _controlSlots.Dispose();
    }

    internal void Schedule(YamuxStream stream)
    {
        // Fails only once the session is terminating; the write loop's cleanup then aborts every stream.
        _outbound.Writer.TryWrite(new OutboundItem(stream, default, null, HoldsSlot: false));
    }

    /// <summary>RST for a stream the write loop no longer visits (FIN already sent). Bounded: once per stream.</summary>
    internal void SendReset(uint streamId)
    {
        _outbound.Writer.TryWrite(new OutboundItem(null, new YamuxFrameHeader(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Rst, streamId, 0), null, HoldsSlot: false));
    }

    internal void NoteTraffic(long utcTicks) => Interlocked.Exchange(ref _lastTrafficTicks, utcTicks);

    /// <summary>Resets every open stream on which no data flowed either way since <paramref name="cutoff"/>: a peer
    /// that neither sends nor reads would otherwise hold the stream, its handler and its window forever.
    /// Returns how many were reset.</summary>
    internal int ResetStreamsIdleSince(DateTimeOffset cutoff)
    {
        int reset = 0;
        foreach (YamuxStream stream in _streams.Values)
        {
            if (stream.LastTraffic < cutoff && !stream.IsFinished)
            {
                stream.Reset();
                reset++;
            }
        }

        return reset;
    }

    internal void OnStreamFinished(YamuxStream stream)
    {
        lock (_stateGate)
        {
            if (_streams.TryRemove(new KeyValuePair<uint, YamuxStream>(stream.Id, stream)))
            {
                _streamCount--;
            }
        }
    }

    private Exception? TerminationReason
    {
        get
        {
            lock (_stateGate)
            {
                return _terminationReason;
            }
        }
    }

    private YamuxStream CreateStream(uint id, bool locallyOpened, uint reservedGrant = 0)
    {
        var window = new ReceiveWindow((uint)Options.InitialWindowSize + reservedGrant, (uint)Options.MaxWindowSize, TimeProvider, _windowBudget, reservedGrant);
        return new YamuxStream(this, id, locallyOpened, window, _pool);
    }

    /// <summary>Reserves a stream's up-front grant beyond the usual initial window; 0 when none was asked or the budget is spent.</summary>
    private uint ReserveGrant(int receiveWindow)
    {
        uint grant = (uint)(receiveWindow - Options.InitialWindowSize);
        if (grant == 0)
        {
            return 0;
        }

        if (_windowBudget.TryReserve(grant))
        {
            return grant;
        }

        Log.WindowGrantDeclined(Logger, receiveWindow, _windowBudget.Used);
        return 0;
    }

    private void ThrowIfTerminatedLocked()
    {
        if (_terminated)
        {
            throw new YamuxSessionClosedException("The yamux session has ended.", _terminationReason);
        }
    }

    private void ThrowIfCannotOpenLocked()
    {
        ThrowIfTerminatedLocked();
        if (!_started)
        {
            throw new InvalidOperationException("Start the yamux session before opening streams.");
        }

        if (_remoteGoAway)
        {
            throw new YamuxSessionClosedException("The remote peer sent GoAway; it accepts no new streams.");
        }
    }

    private async Task RunAsync()
    {
        Task read = ReadLoopAsync();
        Task write = WriteLoopAsync();
        Task keepAlive = KeepAliveLoopAsync();
        await Task.WhenAll(read, write, keepAlive).ConfigureAwait(false);

        Exception? reason = TerminationReason;
        Log.SessionEnded(Logger, Role, reason?.Message ?? "closed");
        if (reason is null)
        {
            _completion.TrySetResult();
        }
        else
        {
            _completion.TrySetException(reason);
        }
    }

    /// <summary>
    /// Ends the session once: records the reason, queues a final GoAway, stops the loops (the write loop drains
    /// control frames within <see cref="YamuxOptions.CloseTimeout"/>) and fails waiters.
    /// </summary>
    private void Terminate(Exception? reason, YamuxGoAwayCode? goAway)
    {
        lock (_stateGate)
        {
            if (_terminated)
            {
                return;
            }

            _terminated = true;
            _terminationReason = reason;
            if (goAway is { } code && !_goAwaySent && _started)
            {
                _goAwaySent = true;
                _outbound.Writer.TryWrite(new OutboundItem(null, new YamuxFrameHeader(YamuxFrameType.GoAway, YamuxFrameFlags.None, 0, (uint)code), null, HoldsSlot: false));
            }
        }

        _outbound.Writer.TryComplete();
        _acceptQueue.Writer.TryComplete();
        _writeDeadline.CancelAfter(Options.CloseTimeout);
        _shutdown.Cancel();
        FailPendingPings();
    }

    private readonly record struct OutboundItem(YamuxStream? Stream, YamuxFrameHeader Control, TaskCompletionSource? Written, bool HoldsSlot);
}
