using System.Buffers;
using System.IO.Pipelines;

namespace DataMesh.Libp2p.Yamux;

/// <summary>The write loop's side of a stream: turning pending data, flags and window updates into frames.</summary>
internal sealed partial class YamuxStream
{
    /// <summary>
    /// Write loop: emits the frames this stream has pending, at most one data frame per visit so streams
    /// interleave. Returns the bytes written; <paramref name="wantsMore"/> when a further visit can send more now.
    /// </summary>
    internal long WriteFrames(IBufferWriter<byte> output, int maxFrameSize, TimeSpan roundTripTime, out bool wantsMore)
    {
        wantsMore = false;
        YamuxFrameFlags openFlag;
        uint delta;
        bool sendReset;
        lock (_gate)
        {
            if (_outboundDone)
            {
                // Our FIN is out but the peer may still be sending: keep granting window, or it stalls for good
                // once it has sent one window after our FIN (a half-closed request awaiting a large answer).
                return WriteWindowUpdateAfterFinLocked(output, roundTripTime);
            }

            openFlag = _openFlagPending;
            sendReset = _resetRequested;
            delta = sendReset || _remoteReset || _remoteFin ? 0 : _receiveWindow.TakeUpdate(roundTripTime, force: openFlag != YamuxFrameFlags.None || _grantPending);
            _grantPending = false;
            _openFlagPending = YamuxFrameFlags.None;
            if (sendReset || _remoteReset)
            {
                _outboundDone = true;
            }
        }

        if (sendReset || _remoteReset)
        {
            _outbound.Reader.Complete();
            long resetBytes = 0;
            if (sendReset && openFlag != YamuxFrameFlags.Syn)
            {
                // Only streams the peer knows of need an RST; one never announced simply vanishes.
                new YamuxFrameHeader(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Rst | openFlag, Id, 0).WriteTo(output);
                resetBytes = YamuxFrameHeader.Size;
            }

            FinishIfDone();
            return resetBytes;
        }

        long written = 0;
        if (delta > 0 || openFlag != YamuxFrameFlags.None)
        {
            new YamuxFrameHeader(YamuxFrameType.WindowUpdate, openFlag, Id, delta).WriteTo(output);
            written += YamuxFrameHeader.Size;
        }

        if (!_outbound.Reader.TryRead(out ReadResult result))
        {
            return written;
        }

        ReadOnlySequence<byte> buffer = result.Buffer;
        long buffered = buffer.Length;
        int chunk = buffered == 0 ? 0 : _sendWindow.Take((int)Math.Min(buffered, maxFrameSize));
        bool sendFin = result.IsCompleted && chunk == buffered;
        if (chunk == 0 && !sendFin)
        {
            // Data waits for a window update, which schedules another visit. Nothing is marked examined: a Pipe
            // whose reader examined everything resumes a paused writer, which would defeat the sender-side bound.
            _outbound.Reader.AdvanceTo(buffer.Start);
            return written;
        }

        ReadOnlySequence<byte> payload = buffer.Slice(0, chunk);
        if (chunk > 0)
        {
            new YamuxFrameHeader(YamuxFrameType.Data, YamuxFrameFlags.None, Id, (uint)chunk).WriteTo(output);
            foreach (ReadOnlyMemory<byte> segment in payload)
            {
                output.Write(segment.Span);
            }

            written += YamuxFrameHeader.Size + chunk;
            NoteTraffic();
        }

        _outbound.Reader.AdvanceTo(payload.End);
        if (sendFin)
        {
            // FIN travels alone, after the last data frame: js-libp2p's yamux applies a frame's flags before its
            // payload, so a FIN riding on data closes its read side and the payload is dropped (go and js send
            // FIN this way too).
            new YamuxFrameHeader(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Fin, Id, 0).WriteTo(output);
            written += YamuxFrameHeader.Size;
            _outbound.Reader.Complete();
            lock (_gate)
            {
                _outboundDone = true;
                MaybeStartCloseTimerLocked();
            }

            FinishIfDone();
        }
        else
        {
            wantsMore = buffered > chunk && _sendWindow.Available > 0;
        }

        return written;
    }

    private long WriteWindowUpdateAfterFinLocked(IBufferWriter<byte> output, TimeSpan roundTripTime)
    {
        // Nothing more is owed once the inbound side ended (remote FIN, either reset, or the session closing).
        uint delta = _inboundDone ? 0 : _receiveWindow.TakeUpdate(roundTripTime, force: _grantPending);
        _grantPending = false;
        if (delta == 0)
        {
            return 0;
        }

        new YamuxFrameHeader(YamuxFrameType.WindowUpdate, YamuxFrameFlags.None, Id, delta).WriteTo(output);
        return YamuxFrameHeader.Size;
    }

}
