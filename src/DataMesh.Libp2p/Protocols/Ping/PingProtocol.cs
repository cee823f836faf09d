using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using DataMesh.Libp2p.Host;

namespace DataMesh.Libp2p.Protocols.Ping;

/// <summary>/ipfs/ping/1.0.0: the dialer sends 32 random bytes, the listener echoes them, as often as the dialer likes.</summary>
internal static class PingProtocol
{
    public const string ProtocolId = "/ipfs/ping/1.0.0";
    private const int PayloadSize = 32;

    /// <summary>Echoes 32-byte payloads until the dialer closes its side.</summary>
    internal static async Task RespondAsync(Libp2pStream stream, CancellationToken cancellationToken)
    {
        PipeReader input = stream.Input;
        while (true)
        {
            ReadResult result = await input.ReadAtLeastAsync(PayloadSize, cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (buffer.Length < PayloadSize)
            {
                input.AdvanceTo(buffer.End);
                return; // the dialer is done (a partial payload at EOF is simply dropped)
            }
            ReadOnlySequence<byte> payload = buffer.Slice(0, PayloadSize);
            foreach (ReadOnlyMemory<byte> segment in payload)
            {
                stream.Output.Write(segment.Span);
            }
            input.AdvanceTo(payload.End);
            await stream.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends one ping on an open ping stream and returns the round-trip time.</summary>
    public static async Task<TimeSpan> PingOnceAsync(Libp2pStream stream, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        byte[] payload = RandomNumberGenerator.GetBytes(PayloadSize);
        long start = timeProvider.GetTimestamp();
        await stream.Output.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
        ReadResult result = await stream.Input.ReadAtLeastAsync(PayloadSize, cancellationToken).ConfigureAwait(false);
        TimeSpan rtt = timeProvider.GetElapsedTime(start);
        ReadOnlySequence<byte> buffer = result.Buffer;
        if (buffer.Length < PayloadSize)
        {
            stream.Input.AdvanceTo(buffer.End);
            throw new Libp2pException($"Peer {stream.RemotePeer} closed the ping stream without answering.");
        }
        bool same = buffer.Slice(0, PayloadSize).ToArray().AsSpan().SequenceEqual(payload);
        stream.Input.AdvanceTo(buffer.GetPosition(PayloadSize));
        if (!same)
        {
            throw new Libp2pException($"Peer {stream.RemotePeer} answered a ping with different bytes.");
        }
        return rtt;
    }
}
