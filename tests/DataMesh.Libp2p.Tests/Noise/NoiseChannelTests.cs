using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Security.Cryptography;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Noise;
using DataMesh.Libp2p.Tests.TestSupport;

namespace DataMesh.Libp2p.Tests.Noise;

public sealed class NoiseChannelTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly Libp2p.Identity.Identity _alice = Libp2p.Identity.Identity.Generate();
    private readonly Libp2p.Identity.Identity _bob = Libp2p.Identity.Identity.Generate();
    private readonly CancellationTokenSource _cts = new(Timeout);

    public void Dispose()
    {
        _alice.Dispose();
        _bob.Dispose();
        _cts.Dispose();
    }

    [Fact]
    public async Task Upgrades_both_ends_and_authenticates_peers()
    {
        var pair = new DuplexPipePair();
        var (client, server) = await ConnectAsync(pair);
        await using (client)
        await using (server)
        {
            Assert.Equal(_bob.PeerId, client.RemotePeer);
            Assert.Equal(_alice.PeerId, server.RemotePeer);
            Assert.Equal(_alice.PublicKey, server.RemotePublicKey);
        }
    }

    [Fact]
    public async Task Transfers_8_MiB_byte_exact_in_both_directions_at_once()
    {
        var pair = new DuplexPipePair();
        var (client, server) = await ConnectAsync(pair);
        await using (client)
        await using (server)
        {
            var up = RandomNumberGenerator.GetBytes(8 * 1024 * 1024);
            var down = RandomNumberGenerator.GetBytes(8 * 1024 * 1024 + 12345);
            var tasks = new[]
            {
                SendAsync(client.Output, up, 100_000),
                SendAsync(server.Output, down, 70_001),
            };
            var received = await Task.WhenAll(ReceiveAllAsync(server.Input), ReceiveAllAsync(client.Input)).WaitAsync(_cts.Token);
            await Task.WhenAll(tasks);
            Assert.True(up.AsSpan().SequenceEqual(received[0]), "client → server data differs");
            Assert.True(down.AsSpan().SequenceEqual(received[1]), "server → client data differs");
            await client.OutputCompleted.WaitAsync(_cts.Token);
        }
    }

    [Fact]
    public async Task Random_write_sizes_arrive_intact()
    {
        var pair = new DuplexPipePair();
        var (client, server) = await ConnectAsync(pair);
        await using (client)
        await using (server)
        {
            var data = RandomNumberGenerator.GetBytes(2 * 1024 * 1024);
            var random = new Random(42);
            var receive = ReceiveAllAsync(server.Input);
            for (var offset = 0; offset < data.Length;)
            {
                var size = Math.Min(data.Length - offset, random.Next(1, 3) == 1 ? random.Next(1, 100) : random.Next(1, 70_000));
                var span = client.Output.GetSpan(size);
                data.AsSpan(offset, size).CopyTo(span);
                client.Output.Advance(size);
                offset += size;
                await client.Output.FlushAsync(_cts.Token);
            }
            await client.Output.CompleteAsync();
            var received = await receive.WaitAsync(_cts.Token);
            Assert.True(data.AsSpan().SequenceEqual(received));
        }
    }

    [Fact]
    public async Task Data_sent_right_after_the_handshake_is_not_lost()
    {
        var pair = new DuplexPipePair();
        var (client, server) = await ConnectAsync(pair);
        await using (client)
        await using (server)
        {
            await client.Output.WriteAsync("early"u8.ToArray(), _cts.Token);
            var result = await server.Input.ReadAtLeastAsync(5, _cts.Token);
            Assert.Equal("early"u8.ToArray(), result.Buffer.Slice(0, 5).ToArray());
            server.Input.AdvanceTo(result.Buffer.GetPosition(5));
        }
    }

    [Fact]
    public async Task Writes_frames_no_larger_than_the_spec_limit_that_decrypt_in_order()
    {
        // The server side is a bare state machine, so the test sees and decrypts the raw frames itself.
        var pair = new DuplexPipePair();
        var outbound = NoiseUpgrader.SecureOutboundAsync(pair.A, _alice, null, _cts.Token);
        using var responder = new NoiseHandshake(false, _bob);
        responder.ReadMessage(await ReadRawFrameAsync(pair.B.Input));
        await WriteRawFrameAsync(pair.B.Output, NoiseHandshakeTests.Write(responder));
        responder.ReadMessage(await ReadRawFrameAsync(pair.B.Input));
        using var keys = responder.GetResult();
        await using var client = await outbound;

        var data = RandomNumberGenerator.GetBytes(200_000);
        await client.Output.WriteAsync(data, _cts.Token);
        await client.Output.CompleteAsync();
        var received = new ArrayBufferWriter<byte>();
        var frames = 0;
        while (received.WrittenCount < data.Length)
        {
            var frame = await ReadRawFrameAsync(pair.B.Input);
            Assert.InRange(frame.Length, NoiseCipherState.TagSize, NoiseChannel.MaxFrameLength);
            var plaintext = received.GetSpan(frame.Length);
            Assert.True(keys.Receiver.TryDecrypt(frame, plaintext));
            received.Advance(frame.Length - NoiseCipherState.TagSize);
            frames++;
        }
        Assert.Equal(data, received.WrittenSpan.ToArray());
        Assert.InRange(frames, 4, 13); // never more than one frame per 16 KiB: large writes become large frames
    }

    [Fact]
    public async Task Expected_peer_mismatch_fails_before_the_dialer_reveals_itself()
    {
        var pair = new DuplexPipePair();
        using var someoneElse = Libp2p.Identity.Identity.Generate();
        var inbound = NoiseUpgrader.SecureInboundAsync(pair.B, _bob, _cts.Token);
        var ex = await Assert.ThrowsAsync<PeerIdMismatchException>(
            () => NoiseUpgrader.SecureOutboundAsync(pair.A, _alice, someoneElse.PeerId, _cts.Token));
        Assert.Equal(someoneElse.PeerId, ex.Expected);
        Assert.Equal(_bob.PeerId, ex.Actual);
        Assert.Contains(someoneElse.PeerId.ToString(), ex.Message, StringComparison.Ordinal);
        Assert.Contains(_bob.PeerId.ToString(), ex.Message, StringComparison.Ordinal);
        await pair.A.Output.CompleteAsync();
        await Assert.ThrowsAsync<NoiseHandshakeException>(() => inbound);
    }

    [Fact]
    public async Task Expected_peer_match_succeeds()
    {
        var pair = new DuplexPipePair();
        var inbound = NoiseUpgrader.SecureInboundAsync(pair.B, _bob, _cts.Token);
        await using var client = await NoiseUpgrader.SecureOutboundAsync(pair.A, _alice, _bob.PeerId, _cts.Token);
        await using var server = await inbound;
        Assert.Equal(_bob.PeerId, client.RemotePeer);
    }

    [Fact]
    public async Task A_garbage_frame_fails_the_channel_with_a_clear_error()
    {
        var pair = new DuplexPipePair();
        var (client, server) = await ConnectRawClientAsync(pair);
        await using (server)
        {
            var garbage = RandomNumberGenerator.GetBytes(100);
            await WriteRawFrameAsync(client.Output, garbage);
            var ex = await Assert.ThrowsAsync<NoiseProtocolException>(async () => await server.Input.ReadAsync(_cts.Token));
            Assert.Contains("authentication", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_frame_shorter_than_the_tag_fails_the_channel()
    {
        var pair = new DuplexPipePair();
        var (client, server) = await ConnectRawClientAsync(pair);
        await using (server)
        {
            await WriteRawFrameAsync(client.Output, new byte[5]);
            await Assert.ThrowsAsync<NoiseProtocolException>(async () => await server.Input.ReadAsync(_cts.Token));
        }
    }

    [Fact]
    public async Task A_connection_closed_mid_frame_fails_the_channel()
    {
        var pair = new DuplexPipePair();
        var (client, server) = await ConnectRawClientAsync(pair);
        await using (server)
        {
            var span = client.Output.GetSpan(10);
            BinaryPrimitives.WriteUInt16BigEndian(span, 1000);
            client.Output.Advance(10);
            await client.Output.CompleteAsync();
            var ex = await Assert.ThrowsAsync<NoiseProtocolException>(async () => await server.Input.ReadAsync(_cts.Token));
            Assert.Contains("middle of a Noise frame", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Remote_close_ends_the_input_cleanly()
    {
        var pair = new DuplexPipePair();
        var (client, server) = await ConnectAsync(pair);
        await using (client)
        await using (server)
        {
            await client.Output.WriteAsync("bye"u8.ToArray(), _cts.Token);
            await client.Output.CompleteAsync();
            Assert.Equal("bye"u8.ToArray(), await ReceiveAllAsync(server.Input).WaitAsync(_cts.Token));
        }
    }

    [Fact]
    public async Task Dispose_stops_the_loops_even_when_the_remote_is_silent()
    {
        var pair = new DuplexPipePair();
        var (client, server) = await ConnectAsync(pair);
        await server.DisposeAsync();
        await client.DisposeAsync().AsTask().WaitAsync(_cts.Token);
        await client.DisposeAsync(); // idempotent
    }

    [Fact]
    public async Task Handshake_honours_cancellation()
    {
        var pair = new DuplexPipePair();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => NoiseUpgrader.SecureOutboundAsync(pair.A, _alice, null, cts.Token));
    }

    [Fact]
    public async Task A_secp256k1_peer_can_connect()
    {
        using var signer = new Secp256k1Signer();
        var pair = new DuplexPipePair();
        var inbound = NoiseUpgrader.SecureInboundAsync(pair.B, new NoiseHandshake(false, signer.PublicKey, signer.Sign, null), _cts.Token);
        await using var client = await NoiseUpgrader.SecureOutboundAsync(pair.A, _alice, PeerId.FromPublicKey(signer.PublicKey), _cts.Token);
        await using var server = await inbound;
        Assert.IsType<Secp256k1PublicKey>(client.RemotePublicKey);
        await server.Output.WriteAsync("hi"u8.ToArray(), _cts.Token);
        var result = await client.Input.ReadAtLeastAsync(2, _cts.Token);
        Assert.Equal("hi"u8.ToArray(), result.Buffer.Slice(0, 2).ToArray());
        client.Input.AdvanceTo(result.Buffer.GetPosition(2));
    }

    private async Task<(NoiseChannel Client, NoiseChannel Server)> ConnectAsync(DuplexPipePair pair)
    {
        var inbound = NoiseUpgrader.SecureInboundAsync(pair.B, _bob, _cts.Token);
        var client = await NoiseUpgrader.SecureOutboundAsync(pair.A, _alice, null, _cts.Token);
        return (client, await inbound);
    }

    /// <summary>Handshakes with a bare state machine on the client side so the test can write raw frames afterwards.</summary>
    private async Task<(IDuplexPipe ClientRaw, NoiseChannel Server)> ConnectRawClientAsync(DuplexPipePair pair)
    {
        var inbound = NoiseUpgrader.SecureInboundAsync(pair.B, _bob, _cts.Token);
        using var handshake = new NoiseHandshake(true, _alice);
        await WriteRawFrameAsync(pair.A.Output, NoiseHandshakeTests.Write(handshake));
        handshake.ReadMessage(await ReadRawFrameAsync(pair.A.Input));
        await WriteRawFrameAsync(pair.A.Output, NoiseHandshakeTests.Write(handshake));
        handshake.GetResult().Dispose();
        return (pair.A, await inbound);
    }

    private async Task<byte[]> ReadRawFrameAsync(PipeReader input)
    {
        while (true)
        {
            var result = await input.ReadAsync(_cts.Token);
            var buffer = result.Buffer;
            if (buffer.Length >= 2)
            {
                var length = BinaryPrimitives.ReadUInt16BigEndian(buffer.Slice(0, 2).ToArray());
                if (buffer.Length >= 2 + length)
                {
                    var frame = buffer.Slice(2, length).ToArray();
                    input.AdvanceTo(buffer.GetPosition(2 + length));
                    return frame;
                }
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            Assert.False(result.IsCompleted, "the connection closed before a whole frame arrived");
        }
    }

    private static async Task WriteRawFrameAsync(PipeWriter output, byte[] frame)
    {
        var span = output.GetSpan(2 + frame.Length);
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)frame.Length);
        frame.CopyTo(span[2..]);
        output.Advance(2 + frame.Length);
        await output.FlushAsync();
    }

    private static async Task SendAsync(PipeWriter output, byte[] data, int chunk)
    {
        for (var offset = 0; offset < data.Length; offset += chunk)
        {
            await output.WriteAsync(data.AsMemory(offset, Math.Min(chunk, data.Length - offset)));
        }
        await output.CompleteAsync();
    }

    private static async Task<byte[]> ReceiveAllAsync(PipeReader input)
    {
        var received = new ArrayBufferWriter<byte>();
        while (true)
        {
            var result = await input.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                received.Write(segment.Span);
            }
            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return received.WrittenSpan.ToArray();
            }
        }
    }
}
