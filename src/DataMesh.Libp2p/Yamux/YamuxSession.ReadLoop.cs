using System.Buffers;
using System.IO.Pipelines;

namespace DataMesh.Libp2p.Yamux;

internal sealed partial class YamuxSession
{
    /// <summary>Reads frames until the connection ends, the peer breaks the protocol, or the session is closed.</summary>
    private async Task ReadLoopAsync()
    {
        PipeReader input = _connection.Input;
        CancellationToken cancellationToken = _shutdown.Token;
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                if (!YamuxFrameHeader.TryParse(buffer, out YamuxFrameHeader header))
                {
                    if (result.IsCompleted)
                    {
                        input.AdvanceTo(buffer.End);
                        if (!buffer.IsEmpty)
                        {
                            throw new YamuxProtocolException($"The connection ended inside a frame header ({buffer.Length} of 12 bytes).");
                        }

                        Terminate(null, goAway: null);
                        return;
                    }

                    input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                input.AdvanceTo(buffer.GetPosition(YamuxFrameHeader.Size));
                await HandleFrameAsync(header, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Terminated locally; the reason is already recorded.
        }
        catch (YamuxProtocolException ex)
        {
            Log.ProtocolViolation(Logger, ex.Message);
            Terminate(ex, YamuxGoAwayCode.ProtocolError);
        }
        catch (Exception ex)
        {
            Terminate(new YamuxException("Reading the yamux connection failed.", ex), YamuxGoAwayCode.InternalError);
        }
        finally
        {
            await input.CompleteAsync().ConfigureAwait(false);
            Exception? reason = TerminationReason;
            foreach (YamuxStream stream in _streams.Values)
            {
                stream.OnSessionClosed(reason);
            }

            // Inbound streams never accepted were already failed above; drop them from the backlog.
            while (_acceptQueue.Reader.TryRead(out _))
            {
            }
        }
    }

    private ValueTask HandleFrameAsync(YamuxFrameHeader header, CancellationToken cancellationToken)
    {
        switch (header.Type)
        {
            case YamuxFrameType.Data:
            case YamuxFrameType.WindowUpdate:
                return HandleStreamFrameAsync(header, cancellationToken);
            case YamuxFrameType.Ping:
                return HandlePingAsync(header, cancellationToken);
            default:
                HandleGoAway((YamuxGoAwayCode)header.Length);
                return ValueTask.CompletedTask;
        }
    }

    private async ValueTask HandleStreamFrameAsync(YamuxFrameHeader header, CancellationToken cancellationToken)
    {
        if (header.StreamId == 0)
        {
            throw new YamuxProtocolException($"A {header.Type} frame was sent on stream 0, which is reserved for session messages.");
        }

        bool isData = header.Type == YamuxFrameType.Data;
        if (isData && header.Length > (uint)Options.MaxWindowSize)
        {
            // No window this side ever grants is that large: refuse before reading any of it.
            throw new YamuxProtocolException($"A data frame of {header.Length} bytes on stream {header.StreamId} exceeds the largest window ({Options.MaxWindowSize}).");
        }

        YamuxStream? stream = (header.Flags & YamuxFrameFlags.Syn) != 0
            ? await AcceptInboundSynAsync(header.StreamId, cancellationToken).ConfigureAwait(false)
            : _streams.GetValueOrDefault(header.StreamId);

        if (isData)
        {
            if (stream is not null && !stream.TryAcceptData(header.Length))
            {
                throw new YamuxProtocolException($"Stream {header.StreamId} received {header.Length} bytes beyond the receive window it was granted.");
            }

            // Data of a stream already gone (reset, closed) is drained and dropped.
            await CopyPayloadAsync(stream, header.Length, cancellationToken).ConfigureAwait(false);
        }
        else if (stream is not null && header.Length > 0 && !stream.TryGrantSendWindow(header.Length))
        {
            throw new YamuxProtocolException($"A window update on stream {header.StreamId} grew the send window beyond 2^32-1 bytes.");
        }

        if (stream is null)
        {
            return;
        }

        if ((header.Flags & YamuxFrameFlags.Fin) != 0)
        {
            stream.OnRemoteFin();
        }

        if ((header.Flags & YamuxFrameFlags.Rst) != 0)
        {
            stream.OnRemoteReset();
        }
    }

    /// <summary>Registers a stream the peer opens, or answers RST when limits or a GoAway forbid it.</summary>
    private async ValueTask<YamuxStream?> AcceptInboundSynAsync(uint streamId, CancellationToken cancellationToken)
    {
        bool peerIsInitiator = !_isInitiator;
        if ((streamId % 2 == 1) != peerIsInitiator)
        {
            throw new YamuxProtocolException($"The remote peer opened stream {streamId}, an id of the wrong parity for its role.");
        }

        string? rejection;
        lock (_stateGate)
        {
            if (_streams.ContainsKey(streamId))
            {
                throw new YamuxProtocolException($"The remote peer opened stream {streamId}, which is already open.");
            }

            if (_terminated)
            {
                return null;
            }

            rejection = _goAwaySent ? "this side sent GoAway"
                : _streamCount >= Options.MaxStreams ? $"{Options.MaxStreams} streams are open"
                : null;
            if (rejection is null)
            {
                YamuxStream stream = CreateStream(streamId, locallyOpened: false);
                if (_acceptQueue.Writer.TryWrite(stream))
                {
                    _streams[streamId] = stream;
                    _streamCount++;
                    return stream;
                }

                rejection = $"the accept backlog ({Options.AcceptBacklog}) is full";
            }
        }

        Log.InboundStreamRejected(Logger, streamId, rejection);
        await EnqueueControlAsync(new YamuxFrameHeader(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Rst, streamId, 0), awaitWritten: false, cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>Moves a data payload from the connection into the stream as it arrives (never buffering a whole frame).</summary>
    private async ValueTask CopyPayloadAsync(YamuxStream? stream, uint length, CancellationToken cancellationToken)
    {
        PipeReader input = _connection.Input;
        long remaining = length;
        while (remaining > 0)
        {
            ReadResult result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (buffer.IsEmpty && result.IsCompleted)
            {
                input.AdvanceTo(buffer.End);
                throw new YamuxProtocolException($"The connection ended inside a data frame ({remaining} of {length} bytes missing).");
            }

            // The chunk's length is taken before AdvanceTo: the sequence is invalid once its segments are released.
            long chunkLength = Math.Min(buffer.Length, remaining);
            ReadOnlySequence<byte> chunk = buffer.Slice(0, chunkLength);
            ValueTask<FlushResult> delivered = stream is null ? default : stream.DeliverData(chunk);
            input.AdvanceTo(chunk.End);
            remaining -= chunkLength;
            await delivered.ConfigureAwait(false);
        }
    }

    private void HandleGoAway(YamuxGoAwayCode code)
    {
        Log.RemoteGoAway(Logger, code);
        lock (_stateGate)
        {
            _remoteGoAway = true;
        }

        if (code != YamuxGoAwayCode.Normal)
        {
            Terminate(new YamuxGoAwayException(code), goAway: null);
        }
    }
}
