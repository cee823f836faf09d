using System.Buffers;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Protocols;

namespace DataMesh.Libp2p.Kad;

public sealed partial class KadDht
{
    /// <summary>One RPC on a fresh stream: writes the request and, unless it is ADD_PROVIDER (which has no answer),
    /// reads one response. Bounded by <see cref="KadOptions.RequestTimeout"/>.</summary>
    private async Task<KadMessage?> SendAsync(PeerId peer, KadMessage request, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(Options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token, _shutdown.Token);
        Libp2pStream stream = await _host.OpenStreamAsync(peer, Options.ProtocolId, linked.Token).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                await WriteMessageAsync(stream, request, linked.Token).ConfigureAwait(false);
                if (request.Type == KadMessageType.AddProvider)
                {
                    await stream.CloseWriteAsync(linked.Token).ConfigureAwait(false);
                    return null;
                }
                using RentedBuffer? frame = await LengthPrefixedMessage.ReadAsync(stream.Input, Options.MaxMessageBytes, linked.Token).ConfigureAwait(false)
                    ?? throw new KadProtocolException($"Peer {peer} closed the stream without answering {request.Type}.");
                KadMessage response = KadMessageCodec.Decode(frame.Span, Options.CodecLimits);
                if (response.Type != request.Type)
                {
                    throw new KadProtocolException($"Peer {peer} answered {request.Type} with {response.Type}.");
                }
                await stream.CloseWriteAsync(linked.Token).ConfigureAwait(false);
                return response;
            }
            catch
            {
                stream.Reset();
                throw;
            }
        }
    }

    private static async Task WriteMessageAsync(Libp2pStream stream, KadMessage message, CancellationToken cancellationToken)
    {
        var body = new ArrayBufferWriter<byte>(256);
        KadMessageCodec.Write(body, message);
        await LengthPrefixedMessage.WriteAsync(stream.Output, body.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Turns wire peers into usable ones: bad ids and addresses are dropped (one bad entry must not spoil
    /// a response), good addresses go to the host's peer store so the lookup can dial them.</summary>
    private List<(PeerId Peer, KadKey Key)> AcceptPeers(IReadOnlyList<KadPeerInfo> wirePeers)
    {
        var accepted = new List<(PeerId, KadKey)>(wirePeers.Count);
        foreach (KadPeerInfo info in wirePeers)
        {
            if (!TryParsePeer(info, out PeerId? peer, out List<Multiaddr> addresses) || peer.Equals(_host.PeerId))
            {
                continue;
            }
            if (addresses.Count > 0)
            {
                _host.Peers.AddAddresses(peer, addresses);
            }
            if (addresses.Count > 0 || _host.IsConnected(peer))
            {
                accepted.Add((peer, KeyOf(peer)));
            }
        }
        return accepted;
    }

    private static bool TryParsePeer(KadPeerInfo info, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PeerId? peer, out List<Multiaddr> addresses)
    {
        addresses = [];
        try
        {
            peer = PeerId.FromBytes(info.Id.Span);
        }
        catch (Libp2pException)
        {
            peer = null;
            return false;
        }
        foreach (ReadOnlyMemory<byte> raw in info.Addresses)
        {
            try
            {
                Multiaddr address = Multiaddr.FromBytes(raw.Span);
                addresses.Add(address.PeerId is null ? address : address.WithoutPeerId());
            }
            catch (Libp2pException)
            {
                // an address of a transport we do not know, or garbage: skip it, keep the rest
            }
        }
        return true;
    }

    /// <summary>The wire form of a peer we know, or null when we know no address for it.</summary>
    private KadPeerInfo? ToWire(PeerId peer)
    {
        IReadOnlyList<Multiaddr> addresses = peer.Equals(_host.PeerId)
            ? _host.GetAdvertisedAddresses()
            : _host.Peers.Get(peer)?.Addresses ?? [];
        if (addresses.Count == 0)
        {
            return null;
        }
        return new KadPeerInfo(
            peer.Bytes,
            [.. addresses.Take(Options.CodecLimits.MaxAddressesPerPeer).Select(a => a.Bytes)],
            _host.IsConnected(peer) ? KadConnectionType.Connected : KadConnectionType.NotConnected);
    }

    private KadPeerInfo SelfWire() =>
        new(_host.PeerId.Bytes, [.. _host.GetAdvertisedAddresses().Take(Options.CodecLimits.MaxAddressesPerPeer).Select(a => a.Bytes)], KadConnectionType.Connected);
}
