using System.Buffers;
using System.IO.Pipelines;

namespace DataMesh.Libp2p.Yamux;

/// <summary>
/// One yamux stream: a bidirectional byte pipe multiplexed over a <see cref="YamuxSession"/>.
/// Completing <see cref="Output"/> (or <see cref="CloseWriteAsync"/>) sends FIN; the remote FIN completes
/// <see cref="Input"/>; <see cref="Reset"/> (or a remote RST) fails both directions with
/// <see cref="YamuxStreamResetException"/>.
/// </summary>
/// <remarks>
/// Ownership: the session's read loop alone writes the inbound pipe and its write loop alone reads the outbound
/// pipe; the application holds <see cref="Input"/> and <see cref="Output"/>. State shared between them sits
/// behind <see cref="_gate"/>; the inbound pipe writer is touched only under it, so a local reset can complete it.
/// </remarks>
internal sealed partial class YamuxStream : IDuplexPipe, IAsyncDisposable
{
    /// <summary>Pipe segment size: large enough that a 256 KiB frame is a handful of segments, small enough for idle streams.</summary>
    private const int SegmentSize = 16 * 1024;

    private readonly YamuxSession _session;
    private readonly Pipe _inbound;
    private readonly Pipe _outbound;
    private readonly YamuxStreamReader _reader;
    private readonly YamuxStreamWriter _writer;
    private readonly ReceiveWindow _receiveWindow;
    private readonly SendWindow _sendWindow = new();
    private readonly Lock _gate = new();

    private YamuxFrameFlags _openFlagPending;
    private bool _resetRequested;
    private bool _remoteReset;
    private bool _remoteFin;
    private bool _inputCompleted;
    private bool _inboundDone;
    private bool _outboundDone;
    private bool _finished;
    private bool _grantPending;
    private Exception? _sessionClosedReason;
    private ITimer? _closeTimer;
    private int _scheduled;
    private uint _undelivered;
    private long _lastTrafficTicks;

    internal YamuxStream(YamuxSession session, uint id, bool locallyOpened, ReceiveWindow receiveWindow, MemoryPool<byte> pool)
    {
        _session = session;
        Id = id;
        _receiveWindow = receiveWindow;
        _openFlagPending = locallyOpened ? YamuxFrameFlags.Syn : YamuxFrameFlags.Ack;
        _lastTrafficTicks = session.TimeProvider.GetUtcNow().UtcTicks;

        // Inbound never pauses: the receive window already bounds what the peer may put in it.
        _inbound = new Pipe(new PipeOptions(pool, pauseWriterThreshold: 0, resumeWriterThreshold: 0, minimumSegmentSize: SegmentSize, useSynchronizationContext: false));

        // Outbound pauses the application once a frame's worth is waiting for window or for the write loop.
        int pause = session.Options.MaxSendFrameSize;
        _outbound = new Pipe(new PipeOptions(pool, pauseWriterThreshold: pause, resumeWriterThreshold: pause / 2, minimumSegmentSize: SegmentSize, useSynchronizationContext: false));
        _reader = new YamuxStreamReader(this, _inbound.Reader);
        _writer = new YamuxStreamWriter(this, _outbound.Writer);
    }

    /// <summary>The stream id: odd when opened by the initiator of the session, even when by the listener.</summary>
    public uint Id { get; }

    /// <summary>Bytes from the remote peer; completes at the remote FIN, fails at a reset.</summary>
    public PipeReader Input => _reader;

    /// <summary>Bytes to the remote peer, sent within its window; completing it sends FIN.</summary>
    public PipeWriter Output => _writer;

    internal SendWindow SendWindow => _sendWindow;

    /// <summary>When data last flowed on this stream either way (its opening counts as the first).</summary>
    internal DateTimeOffset LastTraffic => new(Interlocked.Read(ref _lastTrafficTicks), TimeSpan.Zero);

    /// <summary>A data frame arrived or left: the stream and its session are in use.</summary>
    internal void NoteTraffic()
    {
        long now = _session.TimeProvider.GetUtcNow().UtcTicks;
        Interlocked.Exchange(ref _lastTrafficTicks, now);
        _session.NoteTraffic(now);
    }

    internal bool IsFinished
    {
        get
        {
            lock (_gate)
            {
                return _finished;
            }
        }
    }

    /// <summary>Half-closes: flushes what was written and sends FIN. Reading continues until the remote FIN.</summary>
    public async ValueTask CloseWriteAsync(CancellationToken cancellationToken)
    {
        await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        await _writer.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>Aborts the stream: sends RST; both directions fail with <see cref="YamuxStreamResetException"/>.</summary>
    public void Reset()
    {
        bool finAlreadySent;
        lock (_gate)
        {
            if (_finished || _resetRequested || _remoteReset)
            {
                return;
            }

            _resetRequested = true;
            finAlreadySent = _outboundDone;
            CompleteInboundLocked(new YamuxStreamResetException(Id, byRemote: false));
        }

        if (finAlreadySent)
        {
            // The write loop is done with this stream; the RST goes out as a session control frame.
            _session.SendReset(Id);
            FinishIfDone();
        }
        else
        {
            RequestSend();
        }
    }

    /// <summary>Graceful close: sends FIN after the written data and stops reading; the remote FIN (or the close timeout) ends the stream.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _writer.CompleteAsync().ConfigureAwait(false);
        }
        finally
        {
            await _reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    public override string ToString() => $"yamux stream {Id}";

    internal void ThrowIfLocallyReset()
    {
        if (Volatile.Read(ref _resetRequested))
        {
            throw new YamuxStreamResetException(Id, byRemote: false);
        }
    }

    internal void ThrowIfWriteUnavailable()
    {
        lock (_gate)
        {
            if (_resetRequested || _remoteReset)
            {
                throw new YamuxStreamResetException(Id, byRemote: _remoteReset);
            }

            if (_sessionClosedReason is not null)
            {
                throw new YamuxSessionClosedException($"The yamux session of stream {Id} has ended.", _sessionClosedReason);
            }
        }
    }

    /// <summary>
    /// Lets the peer send until this stream holds <paramref name="window"/> bytes (at most the session's maximum
    /// window) without waiting for the usual window updates, and tells it at once: for a request whose header
    /// announced a large body (a shard to store), which would otherwise stall the sender a round trip after its first
    /// 256 KiB. Drawn from the session's window budget; false when the window is already that large, the budget is
    /// spent, or the input has ended.
    /// </summary>
    public bool TryGrowReceiveWindow(int window)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(window);
        bool granted;
        lock (_gate)
        {
            if (_inboundDone || _remoteFin || _inputCompleted)
            {
                return false;
            }

            granted = _receiveWindow.TryGrowTo((uint)window);
            _grantPending |= granted;
        }

        if (granted)
        {
            RequestSend();
        }

        return granted;
    }

    /// <summary>Asks the write loop to visit this stream (data, FIN, RST or a window update is pending). Deduplicated.</summary>
    internal void RequestSend()
    {
        if (Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            _session.Schedule(this);
        }
    }

    internal void OnDequeuedForSend() => Volatile.Write(ref _scheduled, 0);

    internal void OnInputConsumed(uint bytes)
    {
        bool updateDue;
        lock (_gate)
        {
            if (_inputCompleted)
            {
                return;
            }
            _receiveWindow.Consume(bytes);
            updateDue = !_remoteFin && !_finished && _receiveWindow.UpdateDue;
        }

        if (updateDue)
        {
            RequestSend();
        }
    }

    internal void OnInputCompleted()
    {
        bool updateDue;
        lock (_gate)
        {
            _inputCompleted = true;

            // Whatever sits unread in the pipe is dropped, so its window is free again; bytes of a frame still
            // being delivered are freed as they arrive.
            _receiveWindow.Consume(_receiveWindow.Buffered - _undelivered);
            updateDue = !_remoteFin && !_finished && _receiveWindow.UpdateDue;
            MaybeStartCloseTimerLocked();
        }

        if (updateDue)
        {
            RequestSend();
        }
    }

    /// <summary>Read loop: a data frame of <paramref name="length"/> bytes arrives; false when it overruns the window.</summary>
    internal bool TryAcceptData(uint length)
    {
        lock (_gate)
        {
            if (_inboundDone)
            {
                return true;
            }
            if (!_receiveWindow.TryReceive(length))
            {
                return false;
            }

            _undelivered += length;
        }

        if (length > 0)
        {
            NoteTraffic();
        }

        return true;
    }

    /// <summary>Read loop: delivers part of an accepted data frame. Data for a closed input is dropped and its window freed.</summary>
    internal ValueTask<FlushResult> DeliverData(in ReadOnlySequence<byte> chunk)
    {
        bool updateDue = false;
        ValueTask<FlushResult> flush = default;
        lock (_gate)
        {
            if (_inboundDone)
            {
                return default;
            }

            _undelivered -= (uint)chunk.Length;
            if (_inputCompleted)
            {
                _receiveWindow.Consume((uint)chunk.Length);
                updateDue = !_remoteFin && _receiveWindow.UpdateDue;
            }
            else
            {
                PipeWriter writer = _inbound.Writer;
                foreach (ReadOnlyMemory<byte> segment in chunk)
                {
                    writer.Write(segment.Span);
                }

                flush = writer.FlushAsync(CancellationToken.None);
            }
        }

        if (updateDue)
        {
            RequestSend();
        }

        return flush;
    }

    internal void OnRemoteFin()
    {
        lock (_gate)
        {
            _remoteFin = true;
            CompleteInboundLocked(null);
        }

        FinishIfDone();
    }

    internal void OnRemoteReset()
    {
        lock (_gate)
        {
            if (_finished)
            {
                return;
            }

            _remoteReset = true;
            CompleteInboundLocked(new YamuxStreamResetException(Id, byRemote: true));
        }

        // The write loop completes the outbound side (only it may touch the outbound reader).
        RequestSend();
    }

    /// <summary>Session ended: fail the inbound side (read loop) with the reason.</summary>
    internal void OnSessionClosed(Exception? reason)
    {
        lock (_gate)
        {
            _sessionClosedReason ??= reason ?? new YamuxSessionClosedException("The yamux session has ended.");
            CompleteInboundLocked(new YamuxSessionClosedException($"The yamux session of stream {Id} has ended.", reason));
        }

        FinishIfDone();
    }

    /// <summary>Write loop, at session end: stop consuming the outbound pipe so blocked writers wake up.</summary>
    internal void AbortOutbound()
    {
        lock (_gate)
        {
            if (_outboundDone)
            {
                return;
            }

            _outboundDone = true;
            _sessionClosedReason ??= new YamuxSessionClosedException("The yamux session has ended.");
        }

        _outbound.Reader.Complete();
        FinishIfDone();
    }

    /// <summary>Read loop: the peer granted more window.</summary>
    internal bool TryGrantSendWindow(uint delta)
    {
        if (!_sendWindow.TryGrant(delta))
        {
            return false;
        }

        RequestSend();
        return true;
    }

    private void CompleteInboundLocked(Exception? exception)
    {
        if (_inboundDone)
        {
            return;
        }

        _inboundDone = true;
        _inbound.Writer.Complete(exception);
    }

    /// <summary>Removes the stream from the session once both directions are done.</summary>
    internal void FinishIfDone()
    {
        lock (_gate)
        {
            if (_finished || !_inboundDone || !_outboundDone)
            {
                return;
            }

            _finished = true;
            _receiveWindow.ReleaseGrowth();
            _closeTimer?.Dispose();
            _closeTimer = null;
        }

        _session.OnStreamFinished(this);
    }

    /// <summary>
    /// Once this side sent FIN and stopped reading, the stream only waits for the remote FIN; a peer that never
    /// sends it would pin the stream slot forever, so it is reset after <see cref="YamuxOptions.StreamCloseTimeout"/>.
    /// </summary>
    private void MaybeStartCloseTimerLocked()
    {
        if (_closeTimer is not null || _finished || _inboundDone || !_outboundDone || !_inputCompleted)
        {
            return;
        }

        _closeTimer = _session.TimeProvider.CreateTimer(
            static state => ((YamuxStream)state!).OnCloseTimeout(), this, _session.Options.StreamCloseTimeout, Timeout.InfiniteTimeSpan);
    }

    private void OnCloseTimeout()
    {
        Log.StreamCloseTimedOut(_session.Logger, Id);
        Reset();
    }
}
