using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Multistream;
using DataMesh.Libp2p.Tests.TestSupport;

namespace DataMesh.Libp2p.Tests.Multistream;

public class MultistreamSelectTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Dialer_and_listener_agree_on_the_first_supported_protocol()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var pair = new DuplexPipePair();
        var listen = MultistreamSelect.ListenAsync(pair.B, p => p == "/yamux/1.0.0", cts.Token);
        var selected = await MultistreamSelect.SelectAsync(pair.A, ["/mplex/6.7.0", "/yamux/1.0.0"], cts.Token);
        Assert.Equal("/yamux/1.0.0", selected);
        Assert.Equal("/yamux/1.0.0", await listen);
    }

    [Fact]
    public async Task Dialer_reports_every_refused_protocol()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var pair = new DuplexPipePair();
        var listen = MultistreamSelect.ListenAsync(pair.B, _ => false, cts.Token);
        var ex = await Assert.ThrowsAsync<ProtocolNegotiationException>(
            () => MultistreamSelect.SelectAsync(pair.A, ["/a/1", "/b/1"], cts.Token));
        Assert.Equal(["/a/1", "/b/1"], ex.TriedProtocols);
        Assert.Contains("/a/1, /b/1", ex.Message, StringComparison.Ordinal);
        await pair.A.Output.CompleteAsync();
        await Assert.ThrowsAsync<ProtocolNegotiationException>(() => listen);
    }

    [Fact]
    public async Task Bytes_after_the_negotiation_stay_in_the_pipe_on_both_sides()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var pair = new DuplexPipePair();
        // The dialer writes header, proposal and application data in one write (as js-libp2p does when optimistic).
        var bytes = new ArrayBufferWriter<byte>();
        Frame(bytes, MultistreamSelect.ProtocolId);
        Frame(bytes, "/echo/1.0.0");
        bytes.Write("hello"u8);
        await pair.A.Output.WriteAsync(bytes.WrittenMemory, cts.Token);

        Assert.Equal("/echo/1.0.0", await MultistreamSelect.ListenAsync(pair.B, p => p == "/echo/1.0.0", cts.Token));
        Assert.Equal("hello", await ReadExactlyAsync(pair.B.Input, 5, cts.Token));

        // The listener's answer followed immediately by its own data: the dialer leaves "world" unread.
        await pair.B.Output.WriteAsync("world"u8.ToArray(), cts.Token);
        var header = await ReadMessageAsync(pair.A.Input, cts.Token);
        var echo = await ReadMessageAsync(pair.A.Input, cts.Token);
        Assert.Equal((MultistreamSelect.ProtocolId, "/echo/1.0.0"), (header, echo));
        Assert.Equal("world", await ReadExactlyAsync(pair.A.Input, 5, cts.Token));
    }

    [Fact]
    public async Task Select_leaves_trailing_data_for_the_next_layer()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var pair = new DuplexPipePair();
        var response = new ArrayBufferWriter<byte>();
        Frame(response, MultistreamSelect.ProtocolId);
        Frame(response, "na");
        Frame(response, "/b/1");
        response.Write("payload"u8);
        await pair.B.Output.WriteAsync(response.WrittenMemory, cts.Token);
        Assert.Equal("/b/1", await MultistreamSelect.SelectAsync(pair.A, ["/a/1", "/b/1"], cts.Token));
        Assert.Equal("payload", await ReadExactlyAsync(pair.A.Input, 7, cts.Token));
    }

    [Fact]
    public async Task Listener_answers_ls_with_its_protocols()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var pair = new DuplexPipePair();
        var listen = MultistreamSelect.ListenAsync(pair.B, ["/x/1", "/y/2"], cts.Token);
        var request = new ArrayBufferWriter<byte>();
        Frame(request, MultistreamSelect.ProtocolId);
        Frame(request, "ls");
        await pair.A.Output.WriteAsync(request.WrittenMemory, cts.Token);
        Assert.Equal(MultistreamSelect.ProtocolId, await ReadMessageAsync(pair.A.Input, cts.Token));
        var list = await ReadMessageAsync(pair.A.Input, cts.Token);
        Assert.Equal("\u0005/x/1\n\u0005/y/2\n", list);

        var select = new ArrayBufferWriter<byte>();
        Frame(select, "/y/2");
        await pair.A.Output.WriteAsync(select.WrittenMemory, cts.Token);
        Assert.Equal("/y/2", await listen);
    }

    [Fact]
    public async Task Works_when_messages_arrive_one_byte_at_a_time()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var pair = new DuplexPipePair();
        var listen = MultistreamSelect.ListenAsync(pair.B, p => p == "/p/1", cts.Token);
        var bytes = new ArrayBufferWriter<byte>();
        Frame(bytes, MultistreamSelect.ProtocolId);
        Frame(bytes, "/p/1");
        foreach (var b in bytes.WrittenMemory.ToArray())
        {
            await pair.A.Output.WriteAsync(new[] { b }, cts.Token);
        }
        Assert.Equal("/p/1", await listen);
    }

    [Fact]
    public async Task Rejects_a_peer_that_does_not_speak_multistream()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var pair = new DuplexPipePair();
        var listen = MultistreamSelect.ListenAsync(pair.B, _ => true, cts.Token);
        var bytes = new ArrayBufferWriter<byte>();
        Frame(bytes, "/multistream/2.0.0");
        await pair.A.Output.WriteAsync(bytes.WrittenMemory, cts.Token);
        var ex = await Assert.ThrowsAsync<ProtocolNegotiationException>(() => listen);
        Assert.Contains("/multistream/2.0.0", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8108")]          // length 1025 > the 1024 limit
    [InlineData("00")]            // zero length
    [InlineData("036e6178")]      // no trailing newline
    [InlineData("8000")]          // non-minimal varint
    public async Task Rejects_malformed_messages(string hex)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var pair = new DuplexPipePair();
        var listen = MultistreamSelect.ListenAsync(pair.B, _ => true, cts.Token);
        await pair.A.Output.WriteAsync(Hex.Bytes(hex), cts.Token);
        await Assert.ThrowsAsync<ProtocolNegotiationException>(() => listen);
    }

    [Fact]
    public async Task Listener_gives_up_after_too_many_proposals()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var pair = new DuplexPipePair();
        var listen = MultistreamSelect.ListenAsync(pair.B, _ => false, cts.Token);
        var bytes = new ArrayBufferWriter<byte>();
        Frame(bytes, MultistreamSelect.ProtocolId);
        for (var i = 0; i <= MultistreamSelect.MaxListenerAttempts; i++)
        {
            Frame(bytes, $"/p/{i}");
        }
        await pair.A.Output.WriteAsync(bytes.WrittenMemory, cts.Token);
        await Assert.ThrowsAsync<ProtocolNegotiationException>(() => listen);
    }

    [Fact]
    public async Task Negotiation_honours_cancellation()
    {
        var pair = new DuplexPipePair();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => MultistreamSelect.SelectAsync(pair.A, ["/a/1"], cts.Token));
    }

    [Fact]
    public async Task Remote_closing_mid_negotiation_is_a_clear_error()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var pair = new DuplexPipePair();
        var select = MultistreamSelect.SelectAsync(pair.A, ["/a/1"], cts.Token);
        await pair.B.Output.CompleteAsync();
        var ex = await Assert.ThrowsAsync<ProtocolNegotiationException>(() => select);
        Assert.Contains("closed", ex.Message, StringComparison.Ordinal);
    }

    private static void Frame(ArrayBufferWriter<byte> writer, string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message + "\n");
        Varint.Write(writer, (ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static async Task<string> ReadMessageAsync(PipeReader reader, CancellationToken ct)
    {
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            var buffer = result.Buffer;
            var sequenceReader = new SequenceReader<byte>(buffer);
            if (Varint.TryRead(ref sequenceReader, out var length) && sequenceReader.Remaining >= (long)length)
            {
                var body = sequenceReader.UnreadSequence.Slice(0, (long)length);
                var text = Encoding.UTF8.GetString(body.ToArray());
                reader.AdvanceTo(body.End);
                return text.EndsWith('\n') ? text[..^1] : text;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static async Task<string> ReadExactlyAsync(PipeReader reader, int count, CancellationToken ct)
    {
        var result = await reader.ReadAtLeastAsync(count, ct);
        var text = Encoding.UTF8.GetString(result.Buffer.Slice(0, count).ToArray());
        reader.AdvanceTo(result.Buffer.GetPosition(count));
        return text;
    }
}
