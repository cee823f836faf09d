using System.Buffers;
using DataMesh.Libp2p.Host;

namespace DataMesh.Libp2p.Protocols.Identify;

/// <summary>/ipfs/id/1.0.0: the responder writes one length-prefixed Identify message and closes; the dialer reads it.</summary>
internal static class IdentifyProtocol
{
    public const string ProtocolId = "/ipfs/id/1.0.0";

    internal static async Task RespondAsync(Libp2pStream stream, IdentifyInfo info, CancellationToken cancellationToken)
    {
        var body = new ArrayBufferWriter<byte>(1024);
        IdentifyCodec.Write(body, info);
        await LengthPrefixedMessage.WriteAsync(stream.Output, body.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await stream.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<IdentifyInfo> RequestAsync(Libp2pStream stream, int maxMessageBytes, CancellationToken cancellationToken)
    {
        using RentedBuffer message = await LengthPrefixedMessage.ReadAsync(stream.Input, maxMessageBytes, cancellationToken).ConfigureAwait(false)
            ?? throw new MessageFramingException($"Peer {stream.RemotePeer} closed its Identify stream without sending a message.");
        IdentifyInfo info = IdentifyCodec.Read(message.Span);
        if (info.PublicKey is not null && !PeerIdMatches(info, stream))
        {
            // A peer that sends someone else's key is lying; keep its other data but not the key.
            info = info with { PublicKey = null };
        }
        return info;
    }

    private static bool PeerIdMatches(IdentifyInfo info, Libp2pStream stream) =>
        DataMesh.Libp2p.Identity.PeerId.FromPublicKey(info.PublicKey!).Equals(stream.RemotePeer);
}
