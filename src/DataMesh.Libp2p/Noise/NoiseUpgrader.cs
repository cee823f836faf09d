using System.Buffers;
using System.IO.Pipelines;
using DataMesh.Libp2p.Identity;

namespace DataMesh.Libp2p.Noise;

/// <summary>Runs the libp2p Noise handshake over a raw connection and returns the encrypted channel.
/// The handshake timeout is the caller's cancellation token.</summary>
internal static class NoiseUpgrader
{
    /// <summary>The protocol id negotiated with multistream-select before the handshake.</summary>
    public const string ProtocolId = "/noise";

    /// <summary>Dialer side. When <paramref name="expectedRemote"/> is given, the remote's proven identity is checked
    /// after message 2, before our identity is revealed in message 3.</summary>
    /// <exception cref="PeerIdMismatchException">The remote proved a different peer id.</exception>
    /// <exception cref="NoiseHandshakeException">The handshake failed.</exception>
    public static Task<NoiseChannel> SecureOutboundAsync(IDuplexPipe raw, Identity.Identity local, PeerId? expectedRemote, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(local);
        return SecureOutboundAsync(raw, new NoiseHandshake(isInitiator: true, local), expectedRemote, cancellationToken);
    }

    /// <summary>Listener side.</summary>
    /// <exception cref="NoiseHandshakeException">The handshake failed.</exception>
    public static Task<NoiseChannel> SecureInboundAsync(IDuplexPipe raw, Identity.Identity local, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(local);
        return SecureInboundAsync(raw, new NoiseHandshake(isInitiator: false, local), cancellationToken);
    }

    /// <summary>Dialer side with a prepared handshake (which this method disposes).</summary>
    internal static async Task<NoiseChannel> SecureOutboundAsync(IDuplexPipe raw, NoiseHandshake handshake, PeerId? expectedRemote, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(raw);
        using (handshake)
        {
            await WriteNextAsync(raw.Output, handshake, cancellationToken).ConfigureAwait(false);
            await NoiseFraming.ReadFrameAsync(raw.Input, handshake.ReadMessage, cancellationToken).ConfigureAwait(false);
            var remote = handshake.RemotePeer!;
            if (expectedRemote is not null && remote != expectedRemote)
            {
                throw new PeerIdMismatchException(expectedRemote, remote);
            }
            await WriteNextAsync(raw.Output, handshake, cancellationToken).ConfigureAwait(false);
            return new NoiseChannel(raw, handshake.GetResult());
        }
    }

    /// <summary>Listener side with a prepared handshake (which this method disposes).</summary>
    internal static async Task<NoiseChannel> SecureInboundAsync(IDuplexPipe raw, NoiseHandshake handshake, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(raw);
        using (handshake)
        {
            await NoiseFraming.ReadFrameAsync(raw.Input, handshake.ReadMessage, cancellationToken).ConfigureAwait(false);
            await WriteNextAsync(raw.Output, handshake, cancellationToken).ConfigureAwait(false);
            await NoiseFraming.ReadFrameAsync(raw.Input, handshake.ReadMessage, cancellationToken).ConfigureAwait(false);
            return new NoiseChannel(raw, handshake.GetResult());
        }
    }

    private static ValueTask WriteNextAsync(PipeWriter output, NoiseHandshake handshake, CancellationToken cancellationToken)
    {
        var message = new ArrayBufferWriter<byte>(256);
        handshake.WriteMessage(message);
        return NoiseFraming.WriteFrameAsync(output, message.WrittenMemory, cancellationToken);
    }
}
