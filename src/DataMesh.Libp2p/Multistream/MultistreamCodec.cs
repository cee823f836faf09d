using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Multistream;

/// <summary>
/// multistream-select message framing: unsigned varint length, UTF-8 text, '\n' (counted in the length). Reads take
/// exactly one message from the pipe, so bytes that follow the negotiation stay there for the next protocol.
/// </summary>
internal static class MultistreamCodec
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Appends one framed message to <paramref name="writer"/> (no flush).</summary>
    public static void Write(IBufferWriter<byte> writer, string message, int maxLength)
    {
        var length = Encoding.UTF8.GetByteCount(message) + 1;
        if (length > maxLength)
        {
            throw new ArgumentException($"multistream message of {length} bytes exceeds the {maxLength}-byte limit.", nameof(message));
        }
        Varint.Write(writer, (ulong)length);
        var span = writer.GetSpan(length);
        var written = Encoding.UTF8.GetBytes(message, span);
        span[written] = (byte)'\n';
        writer.Advance(length);
    }

    /// <summary>Appends a message whose body is given as bytes (already containing no trailing newline).</summary>
    public static void WriteRaw(IBufferWriter<byte> writer, ReadOnlySpan<byte> body)
    {
        Varint.Write(writer, (ulong)body.Length + 1);
        writer.Write(body);
        writer.Write("\n"u8);
    }

    public static async ValueTask FlushAsync(PipeWriter writer, CancellationToken cancellationToken)
    {
        var result = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (result.IsCanceled)
        {
            throw new OperationCanceledException("multistream-select write was canceled.");
        }
        if (result.IsCompleted)
        {
            throw new ProtocolNegotiationException("The remote closed the stream during protocol negotiation.");
        }
    }

    /// <summary>Reads one message (without its newline), consuming exactly its bytes.</summary>
    public static async ValueTask<string> ReadAsync(PipeReader reader, int maxLength, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            string? message;
            try
            {
                message = TryParse(ref buffer, maxLength);
            }
            catch
            {
                reader.AdvanceTo(result.Buffer.Start);
                throw;
            }
            if (message is not null)
            {
                reader.AdvanceTo(buffer.Start);
                return message;
            }
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCanceled)
            {
                throw new OperationCanceledException("multistream-select read was canceled.");
            }
            if (result.IsCompleted)
            {
                throw new ProtocolNegotiationException("The remote closed the stream during protocol negotiation.");
            }
        }
    }

    /// <summary>Parses one message from the front of <paramref name="buffer"/>, which is advanced past it.
    /// Returns null when the message is not complete yet.</summary>
    internal static string? TryParse(ref ReadOnlySequence<byte> buffer, int maxLength)
    {
        var reader = new SequenceReader<byte>(buffer);
        ulong length;
        try
        {
            if (!Varint.TryRead(ref reader, out length))
            {
                return null;
            }
        }
        catch (MalformedVarintException ex)
        {
            throw new ProtocolNegotiationException($"Malformed multistream message length: {ex.Message}", ex);
        }
        if (length == 0 || length > (ulong)maxLength)
        {
            throw new ProtocolNegotiationException($"multistream message length {length} is outside 1..{maxLength}.");
        }
        if (reader.Remaining < (long)length)
        {
            return null;
        }
        var body = reader.UnreadSequence.Slice(0, (long)length);
        Span<byte> bytes = stackalloc byte[(int)length];
        body.CopyTo(bytes);
        if (bytes[^1] != (byte)'\n')
        {
            throw new ProtocolNegotiationException("multistream message does not end with a newline.");
        }
        string message;
        try
        {
            message = StrictUtf8.GetString(bytes[..^1]);
        }
        catch (DecoderFallbackException ex)
        {
            throw new ProtocolNegotiationException("multistream message is not valid UTF-8.", ex);
        }
        buffer = buffer.Slice(body.End);
        return message;
    }
}
