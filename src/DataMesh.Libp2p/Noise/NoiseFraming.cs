using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace DataMesh.Libp2p.Noise;

/// <summary>libp2p Noise wire framing: every Noise message is preceded by its length as a 16-bit big-endian integer.</summary>
internal static class NoiseFraming
{
    public const int LengthPrefixSize = 2;

    /// <summary>Takes one complete frame off the front of <paramref name="buffer"/>; false if it is not all there yet.</summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame)
    {
        frame = default;
        if (buffer.Length < LengthPrefixSize)
        {
            return false;
        }
        int length;
        var first = buffer.FirstSpan;
        if (first.Length >= LengthPrefixSize)
        {
            length = BinaryPrimitives.ReadUInt16BigEndian(first);
        }
        else
        {
            Span<byte> prefix = stackalloc byte[LengthPrefixSize];
            buffer.Slice(0, LengthPrefixSize).CopyTo(prefix);
            length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
        }
        if (buffer.Length < LengthPrefixSize + length)
        {
            return false;
        }
        frame = buffer.Slice(LengthPrefixSize, length);
        buffer = buffer.Slice(frame.End);
        return true;
    }

    /// <summary>Reads one frame during the handshake and passes it to <paramref name="handle"/> as a span; exactly the
    /// frame's bytes are consumed, so data sent right after the handshake stays in the pipe.</summary>
    public static async ValueTask ReadFrameAsync(PipeReader reader, Action<ReadOnlySpan<byte>> handle, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (TryReadFrame(ref buffer, out var frame))
            {
                try
                {
                    Handle(frame, handle);
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start);
                }
                return;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCanceled)
            {
                throw new OperationCanceledException("Noise handshake read was canceled.");
            }
            if (result.IsCompleted)
            {
                throw new NoiseHandshakeException("The connection closed during the Noise handshake.");
            }
        }
    }

    public static async ValueTask WriteFrameAsync(PipeWriter writer, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        var span = writer.GetSpan(LengthPrefixSize + message.Length);
        BinaryPrimitives.WriteUInt16BigEndian(span, checked((ushort)message.Length));
        message.Span.CopyTo(span[LengthPrefixSize..]);
        writer.Advance(LengthPrefixSize + message.Length);
        var flush = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (flush.IsCanceled)
        {
            throw new OperationCanceledException("Noise handshake write was canceled.");
        }
        if (flush.IsCompleted)
        {
            throw new NoiseHandshakeException("The connection closed during the Noise handshake.");
        }
    }

    private static void Handle(ReadOnlySequence<byte> frame, Action<ReadOnlySpan<byte>> handle)
    {
        if (frame.IsSingleSegment)
        {
            handle(frame.FirstSpan);
            return;
        }
        var copy = ArrayPool<byte>.Shared.Rent((int)frame.Length);
        try
        {
            frame.CopyTo(copy);
            handle(copy.AsSpan(0, (int)frame.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }
}
