using System.Buffers;
using System.IO.Pipelines;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Protocols;

/// <summary>Unsigned-varint length-prefixed messages, the framing of Identify and Kademlia (the chunk exchange has
/// its own fixed-size headers, ChunkExchangeCodec in DataMesh.Core). The prefix is checked against the caller's
/// limit before anything is allocated, and a message is read into a pooled <see cref="RentedBuffer"/>.</summary>
internal static class LengthPrefixedMessage
{
    /// <summary>Reads one message. Returns null when the stream ends cleanly before a new message starts.</summary>
    /// <exception cref="MessageFramingException">The prefix exceeds <paramref name="maxLength"/> or the stream ends mid-message.</exception>
    public static async ValueTask<RentedBuffer?> ReadAsync(PipeReader reader, int maxLength, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (TryParse(ref buffer, maxLength, out RentedBuffer? message))
            {
                reader.AdvanceTo(buffer.Start);
                return message;
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                bool empty = buffer.IsEmpty;
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (empty)
                {
                    return null;
                }
                throw new MessageFramingException($"The stream ended in the middle of a message ({buffer.Length} bytes received).");
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Tries to take one whole message off the front of <paramref name="buffer"/>.</summary>
    public static bool TryParse(ref ReadOnlySequence<byte> buffer, int maxLength, out RentedBuffer? message)
    {
        message = null;
        var reader = new SequenceReader<byte>(buffer);
        if (!Varint.TryRead(ref reader, out ulong length))
        {
            return false;
        }
        if (length > (ulong)maxLength)
        {
            throw new MessageFramingException($"A peer announced a {length}-byte message; the limit is {maxLength} bytes.");
        }
        if (reader.Remaining < (long)length)
        {
            return false;
        }
        var rented = new RentedBuffer((int)length);
        reader.UnreadSequence.Slice(0, (long)length).CopyTo(rented.Span);
        buffer = buffer.Slice(reader.Position).Slice((long)length);
        message = rented;
        return true;
    }

    /// <summary>Writes the prefix and body into the writer without flushing.</summary>
    public static void Write(IBufferWriter<byte> writer, ReadOnlySpan<byte> body)
    {
        Varint.Write(writer, (ulong)body.Length);
        writer.Write(body);
    }

    /// <summary>Writes the prefix and body and flushes.</summary>
    public static async ValueTask WriteAsync(PipeWriter writer, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        Write(writer, body.Span);
        FlushResult flushed = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (flushed.IsCompleted)
        {
            throw new MessageFramingException("The remote closed the stream before the message was sent.");
        }
    }
}
