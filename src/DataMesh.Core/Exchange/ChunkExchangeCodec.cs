using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using DataMesh.Storage.Addressing;

namespace DataMesh.Core.Exchange;

internal readonly record struct ChunkRequestHeader(ChunkRequestType Type, ContentHash Hash, int PayloadLength,
    ChunkRequestFlags Flags = ChunkRequestFlags.None);

internal readonly record struct ChunkResponseHeader(ChunkResponseStatus Status, string Message, int PayloadLength);

/// <summary>Reads and writes the fixed-size headers of the chunk exchange protocol.</summary>
internal static class ChunkExchangeCodec
{
    public static void WriteRequest(IBufferWriter<byte> writer, ChunkRequestHeader header)
    {
        Span<byte> span = writer.GetSpan(ChunkExchangeProtocol.RequestHeaderSize);
        span[0] = (byte)header.Type;
        span[1] = (byte)header.Flags;
        header.Hash.WriteTo(span.Slice(2, ContentHash.Size));
        BinaryPrimitives.WriteInt32BigEndian(span.Slice(34, 4), header.PayloadLength);
        writer.Advance(ChunkExchangeProtocol.RequestHeaderSize);
    }

    public static void WriteResponse(IBufferWriter<byte> writer, ChunkResponseStatus status, string message, int payloadLength)
    {
        int messageLength = Math.Min(Encoding.UTF8.GetByteCount(message), ChunkExchangeProtocol.MaxMessageBytes);
        Span<byte> span = writer.GetSpan(ChunkExchangeProtocol.ResponseHeaderSize + messageLength);
        span[0] = (byte)status;
        span[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(span.Slice(2, 2), (ushort)messageLength);
        BinaryPrimitives.WriteInt32BigEndian(span.Slice(4, 4), payloadLength);
        if (messageLength > 0)
        {
            byte[] encoded = Encoding.UTF8.GetBytes(message);
            encoded.AsSpan(0, messageLength).CopyTo(span.Slice(ChunkExchangeProtocol.ResponseHeaderSize));
        }
        writer.Advance(ChunkExchangeProtocol.ResponseHeaderSize + messageLength);
    }

    /// <summary>Reads a request header; null when the stream ended before one began.</summary>
    public static async ValueTask<ChunkRequestHeader?> ReadRequestAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        ReadResult result = await reader.ReadAtLeastAsync(ChunkExchangeProtocol.RequestHeaderSize, cancellationToken).ConfigureAwait(false);
        ReadOnlySequence<byte> buffer = result.Buffer;
        if (buffer.Length < ChunkExchangeProtocol.RequestHeaderSize)
        {
            reader.AdvanceTo(buffer.End);
            if (buffer.IsEmpty)
            {
                return null;
            }
            throw new ChunkProtocolException($"The request header was cut short ({buffer.Length} of {ChunkExchangeProtocol.RequestHeaderSize} bytes).");
        }
        Span<byte> header = stackalloc byte[ChunkExchangeProtocol.RequestHeaderSize];
        buffer.Slice(0, ChunkExchangeProtocol.RequestHeaderSize).CopyTo(header);
        reader.AdvanceTo(buffer.GetPosition(ChunkExchangeProtocol.RequestHeaderSize));

        var type = (ChunkRequestType)header[0];
        if (!Enum.IsDefined(type))
        {
            throw new ChunkProtocolException($"Unknown request type {header[0]}.");
        }
        var flags = (ChunkRequestFlags)header[1];
        // Other request types have always ignored the flags byte; a Store must not carry flags it cannot honour.
        if (type == ChunkRequestType.Store && (flags & ~ChunkRequestFlags.OwnerTag) != 0)
        {
            throw new ChunkProtocolException($"Unknown Store flags 0x{header[1]:x2}.");
        }
        int payloadLength = BinaryPrimitives.ReadInt32BigEndian(header.Slice(34, 4));
        int limit = type switch
        {
            ChunkRequestType.Store => ChunkExchangeProtocol.MaxShardBytes,
            ChunkRequestType.Have => ChunkExchangeProtocol.MaxHaveQuery * ContentHash.Size,
            ChunkRequestType.Delete => ChunkExchangeProtocol.MaxDeletePayload,
            _ => 0,
        };
        if (payloadLength < 0 || payloadLength > limit)
        {
            throw new ChunkProtocolException($"A {type} request announced a {payloadLength}-byte payload; the limit is {limit} bytes.");
        }
        return new ChunkRequestHeader(type, ContentHash.FromBytes(header.Slice(2, ContentHash.Size)), payloadLength,
            type == ChunkRequestType.Store ? flags : ChunkRequestFlags.None);
    }

    public static async ValueTask<ChunkResponseHeader> ReadResponseAsync(PipeReader reader, int maxPayload, CancellationToken cancellationToken)
    {
        ReadResult result = await reader.ReadAtLeastAsync(ChunkExchangeProtocol.ResponseHeaderSize, cancellationToken).ConfigureAwait(false);
        ReadOnlySequence<byte> buffer = result.Buffer;
        if (buffer.Length < ChunkExchangeProtocol.ResponseHeaderSize)
        {
            reader.AdvanceTo(buffer.End);
            throw new ChunkProtocolException("The peer closed the stream without answering.");
        }
        Span<byte> header = stackalloc byte[ChunkExchangeProtocol.ResponseHeaderSize];
        buffer.Slice(0, ChunkExchangeProtocol.ResponseHeaderSize).CopyTo(header);
        reader.AdvanceTo(buffer.GetPosition(ChunkExchangeProtocol.ResponseHeaderSize));

        var status = (ChunkResponseStatus)header[0];
        int messageLength = BinaryPrimitives.ReadUInt16BigEndian(header.Slice(2, 2));
        int payloadLength = BinaryPrimitives.ReadInt32BigEndian(header.Slice(4, 4));
        if (!Enum.IsDefined(status))
        {
            throw new ChunkProtocolException($"Unknown response status {header[0]}.");
        }
        if (messageLength > ChunkExchangeProtocol.MaxMessageBytes)
        {
            throw new ChunkProtocolException($"The peer announced a {messageLength}-byte message; the limit is {ChunkExchangeProtocol.MaxMessageBytes}.");
        }
        if (payloadLength < 0 || payloadLength > maxPayload)
        {
            throw new ChunkProtocolException($"The peer announced a {payloadLength}-byte payload; at most {maxPayload} bytes were expected.");
        }
        string message = string.Empty;
        if (messageLength > 0)
        {
            message = Encoding.UTF8.GetString(await ReadExactlyAsync(reader, messageLength, cancellationToken).ConfigureAwait(false));
        }
        return new ChunkResponseHeader(status, message, payloadLength);
    }

    /// <summary>Copies exactly <paramref name="destination"/>.Length bytes from the reader.</summary>
    public static async ValueTask ReadExactlyAsync(PipeReader reader, Memory<byte> destination, CancellationToken cancellationToken)
    {
        int filled = 0;
        while (filled < destination.Length)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            int take = (int)Math.Min(buffer.Length, destination.Length - filled);
            buffer.Slice(0, take).CopyTo(destination.Span.Slice(filled));
            filled += take;
            reader.AdvanceTo(buffer.GetPosition(take));
            if (filled < destination.Length && result.IsCompleted)
            {
                throw new ChunkProtocolException($"The stream ended after {filled} of {destination.Length} payload bytes.");
            }
        }
    }

    private static async ValueTask<byte[]> ReadExactlyAsync(PipeReader reader, int length, CancellationToken cancellationToken)
    {
        byte[] bytes = new byte[length];
        await ReadExactlyAsync(reader, bytes, cancellationToken).ConfigureAwait(false);
        return bytes;
    }
}
