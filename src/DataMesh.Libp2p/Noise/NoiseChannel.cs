using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using DataMesh.Libp2p.Identity;

namespace DataMesh.Libp2p.Noise;

/// <summary>
/// The Noise transport phase over a raw connection. <see cref="Output"/> takes plaintext, which a background loop
/// encrypts into frames of at most 65535 bytes (ciphertext plus tag); another loop decrypts incoming frames into
/// <see cref="Input"/>. Both directions are bounded by pipe pause thresholds. Completing <see cref="Output"/> sends
/// what was written and then closes the raw output; <see cref="DisposeAsync"/> aborts whatever is still pending
/// (await <see cref="OutputCompleted"/> first for a graceful close).
/// </summary>
internal sealed class NoiseChannel : IDuplexPipe, IAsyncDisposable
{
    /// <summary>Largest Noise transport message (ciphertext plus tag).</summary>
    public const int MaxFrameLength = 65535;

    /// <summary>Largest plaintext per frame.</summary>
    public const int MaxPlaintextLength = MaxFrameLength - NoiseCipherState.TagSize;

    private const int BufferedBytesLimit = 1024 * 1024;

    /// <summary>Segments at least this long become frames of their own (no copy); shorter runs are gathered.</summary>
    private const int MinDirectFrameLength = 16 * 1024;

    /// <summary>Bytes processed between flushes, so one large batch is pipelined rather than buffered whole.</summary>
    private const int FlushEvery = 256 * 1024;

    /// <summary>The reader of each pipe resumes inline, on the thread that flushed: the inbound reader (Yamux's read loop)
    /// on this channel's read loop, the outbound reader (this channel's write loop) on the thread that flushed
    /// plaintext (Yamux's write loop). Scheduling each hand-off to the thread pool cost a work item, a thread
    /// wake-up and, on a busy machine, the idle worker's spinning afterwards: on the loopback benchmark that was
    /// more CPU than the decryption itself (docs/transfers.md, "Receive path"). Inline is safe here because
    /// neither loop holds a lock while it flushes or advances, and a resumed reader that has to wait again returns
    /// to the flushing thread at its next await. A paused writer still resumes on the thread pool, so a reader's
    /// AdvanceTo never runs the other loop inside it.</summary>
    private static readonly PipeOptions ChannelPipeOptions = new(
        readerScheduler: PipeScheduler.Inline,
        writerScheduler: PipeScheduler.ThreadPool,
        pauseWriterThreshold: BufferedBytesLimit,
        resumeWriterThreshold: BufferedBytesLimit / 2,
        minimumSegmentSize: 64 * 1024,
        useSynchronizationContext: false);

    private readonly IDuplexPipe _raw;
    private readonly NoiseCipherState _sender;
    private readonly NoiseCipherState _receiver;
    private readonly Pipe _inbound = new(ChannelPipeOptions);
    private readonly Pipe _outbound = new(ChannelPipeOptions);
    private readonly Task _readLoop;
    private readonly Task _writeLoop;
    private int _disposed;

    internal NoiseChannel(IDuplexPipe raw, NoiseHandshakeResult handshake)
    {
        _raw = raw;
        _sender = handshake.Sender;
        _receiver = handshake.Receiver;
        RemotePublicKey = handshake.RemoteIdentityKey;
        RemotePeer = handshake.RemotePeer;
        RemoteExtensions = handshake.RemoteExtensions;
        _readLoop = Task.Run(ReadLoopAsync);
        _writeLoop = Task.Run(WriteLoopAsync);
    }

    public PeerId RemotePeer { get; }

    public PublicKey RemotePublicKey { get; }

    /// <summary>The remote's Noise extensions (e.g. offered stream muxers), if any.</summary>
    public NoiseExtensions? RemoteExtensions { get; }

    /// <summary>Decrypted data from the remote.</summary>
    public PipeReader Input => _inbound.Reader;

    /// <summary>Plaintext to send to the remote.</summary>
    public PipeWriter Output => _outbound.Writer;

    /// <summary>Completes once <see cref="Output"/> has been completed and everything written to it was encrypted and
    /// handed to the raw connection (or the write side failed or was aborted).</summary>
    public Task OutputCompleted => _writeLoop;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _outbound.Writer.CompleteAsync().ConfigureAwait(false);
        await _inbound.Reader.CompleteAsync().ConfigureAwait(false);
        // Wake loops blocked on I/O (loops that already ended have completed their raw ends; leave those alone).
        if (!_writeLoop.IsCompleted)
        {
            _outbound.Reader.CancelPendingRead();
            _raw.Output.CancelPendingFlush();
        }
        if (!_readLoop.IsCompleted)
        {
            _raw.Input.CancelPendingRead();
        }
        // The loops catch everything; awaiting them here guarantees no work outlives the channel.
        await Task.WhenAll(_readLoop, _writeLoop).ConfigureAwait(false);
        _sender.Dispose();
        _receiver.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        var input = _raw.Input;
        var output = _inbound.Writer;
        var scratch = new ScratchBuffer(MaxFrameLength);
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                var written = DecryptFrames(ref buffer, output, scratch, out var more);
                scratch.Release(); // idle connections hold no 64 KiB buffers
                if (more)
                {
                    // Stopped at the flush budget: mark nothing as examined so the next read returns at once.
                    input.AdvanceTo(buffer.Start);
                }
                else
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }
                if (written > 0)
                {
                    var flush = await output.FlushAsync().ConfigureAwait(false);
                    if (flush.IsCompleted || flush.IsCanceled)
                    {
                        break;
                    }
                }
                if (result.IsCanceled)
                {
                    break;
                }
                if (result.IsCompleted && !more)
                {
                    if (!buffer.IsEmpty)
                    {
                        throw new NoiseProtocolException($"The connection closed in the middle of a Noise frame ({buffer.Length} bytes left over).");
                    }
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            error = Wrap(ex, "receiving");
        }
        finally
        {
            scratch.Release();
        }
        await input.CompleteAsync(error).ConfigureAwait(false);
        await output.CompleteAsync(error).ConfigureAwait(false);
    }

    /// <summary>Decrypts whole frames from the front of <paramref name="buffer"/> straight into the inbound pipe, up to
    /// the flush budget. <paramref name="more"/> is true when it stopped because of the budget.</summary>
    private int DecryptFrames(ref ReadOnlySequence<byte> buffer, PipeWriter output, ScratchBuffer scratch, out bool more)
    {
        var written = 0;
        more = false;
        while (NoiseFraming.TryReadFrame(ref buffer, out var frame))
        {
            var frameLength = (int)frame.Length;
            if (frameLength < NoiseCipherState.TagSize)
            {
                throw new NoiseProtocolException($"Noise frame of {frameLength} bytes is shorter than the {NoiseCipherState.TagSize}-byte tag.");
            }
            ReadOnlySpan<byte> ciphertext;
            if (frame.IsSingleSegment)
            {
                ciphertext = frame.FirstSpan;
            }
            else
            {
                byte[] gathered = scratch.Get();
                frame.CopyTo(gathered);
                ciphertext = gathered.AsSpan(0, frameLength);
            }
            var plaintextLength = frameLength - NoiseCipherState.TagSize;
            if (!_receiver.TryDecrypt(ciphertext, output.GetSpan(plaintextLength)))
            {
                throw new NoiseProtocolException("A Noise frame failed authentication: the data was corrupted or tampered with.");
            }
            output.Advance(plaintextLength);
            written += plaintextLength;
            if (written >= FlushEvery)
            {
                more = true;
                break;
            }
        }
        return written;
    }

    private async Task WriteLoopAsync()
    {
        var input = _outbound.Reader;
        var output = _raw.Output;
        var scratch = new ScratchBuffer(MaxPlaintextLength);
        Exception? error = null;
        try
        {
            var open = true;
            while (open)
            {
                var result = await input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                while (!buffer.IsEmpty)
                {
                    EncryptFrames(ref buffer, output, scratch);
                    scratch.Release();
                    var flush = await output.FlushAsync().ConfigureAwait(false);
                    if (flush.IsCompleted || flush.IsCanceled)
                    {
                        open = false;
                        break;
                    }
                }
                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            error = Wrap(ex, "sending");
        }
        finally
        {
            scratch.Release();
        }
        await input.CompleteAsync(error).ConfigureAwait(false);
        try
        {
            await output.CompleteAsync(error).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // Completing flushes what is left; a peer that is already gone cannot take it, and the loop's job
            // (ending the write side) is done either way. The read side reports the broken connection.
        }
    }

    /// <summary>Encrypts plaintext from the front of <paramref name="buffer"/> into frames written directly into the raw
    /// output, up to the flush budget. Frames follow segment boundaries so plaintext is encrypted in place from the
    /// pipe's memory (a segment longer than a frame is cut into equal parts); only runs of small segments are gathered
    /// into <paramref name="scratch"/>, since the AEAD needs contiguous input.</summary>
    private void EncryptFrames(ref ReadOnlySequence<byte> buffer, PipeWriter output, ScratchBuffer scratch)
    {
        var budget = FlushEvery;
        while (!buffer.IsEmpty && budget > 0)
        {
            ReadOnlySpan<byte> plaintext;
            var first = buffer.FirstSpan;
            if (first.Length >= MinDirectFrameLength || first.Length == buffer.Length)
            {
                var frames = (first.Length + MaxPlaintextLength - 1) / MaxPlaintextLength;
                plaintext = first[..((first.Length + frames - 1) / frames)];
            }
            else
            {
                var length = (int)Math.Min(buffer.Length, MaxPlaintextLength);
                byte[] gathered = scratch.Get();
                buffer.Slice(0, length).CopyTo(gathered);
                plaintext = gathered.AsSpan(0, length);
            }
            var frameLength = plaintext.Length + NoiseCipherState.TagSize;
            var destination = output.GetSpan(NoiseFraming.LengthPrefixSize + frameLength);
            BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)frameLength);
            _sender.Encrypt(plaintext, destination.Slice(NoiseFraming.LengthPrefixSize, plaintext.Length),
                destination.Slice(NoiseFraming.LengthPrefixSize + plaintext.Length, NoiseCipherState.TagSize));
            output.Advance(NoiseFraming.LengthPrefixSize + frameLength);
            buffer = buffer.Slice(plaintext.Length);
            budget -= plaintext.Length;
        }
    }

    private static Exception Wrap(Exception ex, string direction) => ex switch
    {
        Libp2pException => ex,
        OperationCanceledException => new NoiseProtocolException($"The Noise channel was aborted while {direction}.", ex),
        _ => new NoiseProtocolException($"The Noise channel failed while {direction}: {ex.Message}", ex),
    };

    /// <summary>A pooled buffer rented only while a frame that straddles pipe segments is gathered, and given back
    /// after each batch, so the thousands of idle connections of a busy node hold none.</summary>
    private sealed class ScratchBuffer(int size)
    {
        private byte[]? _array;

        public byte[] Get() => _array ??= ArrayPool<byte>.Shared.Rent(size);

        public void Release()
        {
            if (_array is { } array)
            {
                _array = null;
                ArrayPool<byte>.Shared.Return(array);
            }
        }
    }
}
