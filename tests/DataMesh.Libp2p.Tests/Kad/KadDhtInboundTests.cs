using System.Buffers;
using System.IO.Pipelines;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Kad;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Protocols;
using DataMesh.Libp2p.Yamux;

namespace DataMesh.Libp2p.Tests.Kad;

public sealed class KadDhtInboundTests
{
    private static async Task WriteAsync(Libp2pStream stream, KadMessage message, CancellationToken ct) =>
        await LengthPrefixedMessage.WriteAsync(stream.Output, KadMessageCodec.Encode(message), ct);

    private static async Task<KadMessage?> ReadAsync(Libp2pStream stream, CancellationToken ct)
    {
        using RentedBuffer? frame = await LengthPrefixedMessage.ReadAsync(stream.Input, 1 << 20, ct);
        return frame is null ? null : KadMessageCodec.Decode(frame.Span);
    }

    [Fact]
    public async Task OneStreamCarriesSeveralRequestsUntilEof()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await using var net = new KadTestNetwork();
        await net.StartAsync(4, limit.Token);
        var (server, _) = net.Nodes[0];
        var (client, _) = net.Nodes[1];
        Libp2pStream stream = await client.OpenStreamAsync(server.PeerId, KadOptions.DefaultProtocolId, limit.Token);
        await using (stream)
        {
            await WriteAsync(stream, new KadMessage(KadMessageType.FindNode, net.Nodes[3].Host.PeerId.Bytes), limit.Token);
            KadMessage? first = await ReadAsync(stream, limit.Token);
            Assert.Equal(KadMessageType.FindNode, first!.Type);
            Assert.Equal(net.Nodes[3].Host.PeerId.Bytes.ToArray(), first.CloserPeers[0].Id.ToArray()); // the sought peer first
            Assert.DoesNotContain(first.CloserPeers, p => p.Id.Span.SequenceEqual(client.PeerId.Bytes.Span)); // never the requester

            await WriteAsync(stream, new KadMessage(KadMessageType.Ping, ReadOnlyMemory<byte>.Empty), limit.Token);
            Assert.Equal(KadMessageType.Ping, (await ReadAsync(stream, limit.Token))!.Type);
            await stream.CloseWriteAsync(limit.Token);
            Assert.Null(await ReadAsync(stream, limit.Token)); // the server closes its side after our EOF
        }
    }

    [Fact]
    public async Task OversizedPrefixAndGarbageResetOnlyThatStream()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await using var net = new KadTestNetwork();
        await net.StartAsync(3, limit.Token);
        var (server, serverDht) = net.Nodes[0];
        var (client, clientDht) = net.Nodes[1];

        Libp2pStream big = await client.OpenStreamAsync(server.PeerId, KadOptions.DefaultProtocolId, limit.Token);
        await using (big)
        {
            Varint.Write(big.Output, 2UL << 20); // announces 2 MiB, limit is 1 MiB: refused before any allocation
            await big.Output.FlushAsync(limit.Token);
            await Assert.ThrowsAsync<YamuxStreamResetException>(async () => await ReadAsync(big, limit.Token));
        }
        Libp2pStream junk = await client.OpenStreamAsync(server.PeerId, KadOptions.DefaultProtocolId, limit.Token);
        await using (junk)
        {
            await LengthPrefixedMessage.WriteAsync(junk.Output, new byte[] { 0x08, 0x63 }, limit.Token); // type 99
            await Assert.ThrowsAsync<YamuxStreamResetException>(async () => await ReadAsync(junk, limit.Token));
        }
        // The node still answers.
        Assert.NotEmpty(await clientDht.GetClosestPeersAsync("/t/anything"u8.ToArray(), limit.Token));
        await Polling.WaitUntilAsync(() => serverDht.InboundRequestsInFlight == 0);
    }

    [Fact]
    public async Task AFloodingPeerIsThrottledWithoutStarvingOthers()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var net = new KadTestNetwork();
        KadOptions options = KadTestNetwork.DefaultOptions with { MaxInboundRequestsPerPeer = 4, MaxInboundRequestsTotal = 16 };
        var (server, serverDht) = await net.AddNodeAsync(options);
        var (attacker, _) = await net.AddNodeAsync();
        var (honest, _) = await net.AddNodeAsync();
        await attacker.DialAsync(KadTestNetwork.AddressOf(server), limit.Token);
        await honest.DialAsync(KadTestNetwork.AddressOf(server), limit.Token);

        // The attacker opens 12 streams and sends half a message on each, holding them open. A throttled stream is
        // reset as soon as it is negotiated, so the reset shows either while opening or on the first read.
        var streams = new List<Libp2pStream>();
        int reset = 0;
        for (int i = 0; i < 12; i++)
        {
            try
            {
                Libp2pStream stream = await attacker.OpenStreamAsync(server.PeerId, KadOptions.DefaultProtocolId, limit.Token);
                stream.Output.Write(new byte[] { 0x20, 0x08 }); // announces 32 bytes, sends 1
                await stream.Output.FlushAsync(limit.Token);
                streams.Add(stream);
            }
            catch (YamuxStreamResetException)
            {
                reset++;
            }
        }
        foreach (Libp2pStream stream in streams)
        {
            using var probe = CancellationTokenSource.CreateLinkedTokenSource(limit.Token);
            probe.CancelAfter(TimeSpan.FromMilliseconds(300));
            try
            {
                await stream.Input.ReadAsync(probe.Token);
            }
            catch (YamuxStreamResetException)
            {
                reset++;
            }
            catch (OperationCanceledException) when (!limit.IsCancellationRequested)
            {
                // still held open by the server: within the attacker's share
            }
        }
        Assert.Equal(8, reset);
        Assert.Equal(4, serverDht.InboundRequestsInFlight);

        // The honest peer is served while the attacker holds its share.
        Libp2pStream mine = await honest.OpenStreamAsync(server.PeerId, KadOptions.DefaultProtocolId, limit.Token);
        await using (mine)
        {
            await WriteAsync(mine, new KadMessage(KadMessageType.Ping, ReadOnlyMemory<byte>.Empty), limit.Token);
            Assert.Equal(KadMessageType.Ping, (await ReadAsync(mine, limit.Token))!.Type);
        }
        foreach (Libp2pStream stream in streams)
        {
            await stream.DisposeAsync();
        }
    }
}
