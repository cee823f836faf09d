using System.IO.Pipelines;
using System.Threading.Channels;

namespace DataMesh.Libp2p.Yamux;

internal sealed partial class YamuxSession
{
    /// <summary>Bytes written to the connection between flushes while frames keep coming (bounds its buffer).</summary>
    private const int FlushThreshold = 1024 * 1024;

    private readonly List<TaskCompletionSource> _flushWaiters = [];

    /// <summary>
    /// The only writer of the connection. Streams are visited in the order they asked, one data frame per
    /// visit, and requeue themselves while they can send more: data of different streams interleaves fairly.
    /// </summary>
    private async Task WriteLoopAsync()
    {
        PipeWriter output = _connection.Output;
        ChannelReader<OutboundItem> queue = _outbound.Reader;
        CancellationToken deadline = _writeDeadline.Token;
        try
        {
            while (await queue.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                long unflushed = 0;
                while (queue.TryRead(out OutboundItem item))
                {
                    unflushed += WriteItem(output, item);
                    if (unflushed >= FlushThreshold)
                    {
                        await FlushAsync(output, deadline).ConfigureAwait(false);
                        unflushed = 0;
                    }
                }

                await FlushAsync(output, deadline).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            // The final frames could not be written within the close timeout; the connection is closed anyway.
        }
        catch (Exception ex)
        {
            Terminate(new YamuxException("Writing to the yamux connection failed.", ex), goAway: null);
        }
        finally
        {
            await output.CompleteAsync().ConfigureAwait(false);
            FinishWriteSide();
        }
    }

    private long WriteItem(PipeWriter output, in OutboundItem item)
    {
        bool terminated;
        lock (_stateGate)
        {
            terminated = _terminated;
        }

        if (item.Stream is { } stream)
        {
            stream.OnDequeuedForSend();
            if (terminated)
            {
                stream.AbortOutbound();
                return 0;
            }

            long written = stream.WriteFrames(output, Options.MaxSendFrameSize, RoundTripTime, out bool wantsMore);
            if (wantsMore)
            {
                stream.RequestSend();
            }

            return written;
        }

        if (item.HoldsSlot)
        {
            _controlSlots.Release();
        }

        if (terminated && item.Control.Type != YamuxFrameType.GoAway)
        {
            item.Written?.TrySetException(new YamuxSessionClosedException("The yamux session ended before the frame was sent.", TerminationReason));
            return 0;
        }

        item.Control.WriteTo(output);
        if (item.Written is not null)
        {
            _flushWaiters.Add(item.Written);
        }

        return YamuxFrameHeader.Size;
    }

    private async ValueTask FlushAsync(PipeWriter output, CancellationToken cancellationToken)
    {
        FlushResult result = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        foreach (TaskCompletionSource waiter in _flushWaiters)
        {
            waiter.TrySetResult();
        }

        _flushWaiters.Clear();
        if (result.IsCompleted)
        {
            // The peer closed the connection; like end-of-stream on the read side, that is a normal end.
            Terminate(null, goAway: null);
        }
    }

    /// <summary>Runs when the write loop exits: nothing will be sent any more, so fail everything still waiting.</summary>
    private void FinishWriteSide()
    {
        var closed = new YamuxSessionClosedException("The yamux session ended before the frame was sent.", TerminationReason);
        foreach (TaskCompletionSource waiter in _flushWaiters)
        {
            waiter.TrySetException(closed);
        }

        _flushWaiters.Clear();
        while (_outbound.Reader.TryRead(out OutboundItem item))
        {
            item.Stream?.AbortOutbound();
            item.Written?.TrySetException(closed);
            if (item.HoldsSlot)
            {
                _controlSlots.Release();
            }
        }

        foreach (YamuxStream stream in _streams.Values)
        {
            stream.AbortOutbound();
        }
    }

    /// <summary>
    /// Queues a session-level frame. At most <see cref="MaxPendingControlFrames"/> wait at once; the read loop
    /// answering pings or refusing streams waits here, which stops it reading from a peer that floods them.
    /// </summary>
    private async ValueTask EnqueueControlAsync(YamuxFrameHeader header, bool awaitWritten, CancellationToken cancellationToken)
    {
        await _controlSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        TaskCompletionSource? written = awaitWritten ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : null;
        if (!_outbound.Writer.TryWrite(new OutboundItem(null, header, written, HoldsSlot: true)))
        {
            _controlSlots.Release();
            throw new YamuxSessionClosedException("The yamux session has ended.", TerminationReason);
        }

        if (written is not null)
        {
            await written.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
