using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Multistream;
using DataMesh.Libp2p.Tests.TestSupport;

namespace DataMesh.Libp2p.Tests.Multistream;

/// <summary>Optimistic ("lazy") dialer negotiation: <see cref="MultistreamSelect.SelectLazily"/>.</summary>
public class LazySelectTests
{
    private const string Protocol = "/datamesh/test/1.0.0";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Header_proposal_and_request_leave_in_one_write()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var pair = new DuplexPipePair();
        var lazy = MultistreamSelect.SelectLazily(pair.A, Protocol);
        await lazy.Output.WriteAsync("request"u8.ToArray(), cts.Token);

        // The listener's first read sees everything: nothing was flushed before the request.
        var first = await pair.B.Input.ReadAsync(cts.Token);
        var expected = new ArrayBufferWriter<byte>();
        Frame(expected, MultistreamSelect.ProtocolId);
        Frame(expected, Protocol);
        expected.Write("request"u8);
        Assert.Equal(expected.WrittenSpan.ToArray(), first.Buffer.ToArray());
        pair.B.Input.AdvanceTo(first.Buffer.Start);
    }

    [Fact]
    public async Task Listener_accepts_and_the_dialer_reads_only_the_answer()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var pair = new DuplexPipePair();
        var lazy = MultistreamSelect.SelectLazily(pair.A, Protocol);
        await lazy.Output.WriteAsync("ping"u8.ToArray(), cts.Token);

        // The request arrives in the same read as the proposal; the listener leaves it for the protocol.
        Assert.Equal(Protocol, await MultistreamSelect.ListenAsync(pair.B, [Protocol], cts.Token));
        Assert.Equal("ping", await ReadExactlyAsync(pair.B.Input, 4, cts.Token));
        await pair.B.Output.WriteAsync("pong"u8.ToArray(), cts.Token);

        Assert.Equal("pong", await ReadExactlyAsync(lazy.Input, 4, cts.Token));
    }

    [Fact]
    public async Task Answer_and_data_in_one_chunk_are_split_by_TryRead_too()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var pair = new DuplexPipePair();
        var lazy = MultistreamSelect.SelectLazily(pair.A, Protocol);
        await lazy.Output.FlushAsync(cts.Token);
        var answer = new ArrayBufferWriter<byte>();
        Frame(answer, MultistreamSelect.ProtocolId);
        Frame(answer, Protocol);
        answer.Write("data"u8);
        await pair.B.Output.WriteAsync(answer.WrittenMemory, cts.Token);

        Assert.True(lazy.Input.TryRead(out var result));
        Assert.Equal("data", Encoding.UTF8.GetString(result.Buffer.ToArray()));
        lazy.Input.AdvanceTo(result.Buffer.End);
    }

    [Fact]
    public async Task Refusal_is_a_typed_error_on_read_never_data_and_the_listener_does_not_hang()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var pair = new DuplexPipePair();
        int failures = 0;
        var lazy = MultistreamSelect.SelectLazily(pair.A, Protocol, () =>
        {
            failures++;
            pair.A.Output.Complete(); // what a stream reset does for the listener: its reads end
        });
        var listen = MultistreamSelect.ListenAsync(pair.B, _ => false, cts.Token);
        await lazy.Output.WriteAsync("\u0002ab"u8.ToArray(), cts.Token);

        var refused = await Assert.ThrowsAsync<ProtocolNegotiationException>(async () => await lazy.Input.ReadAsync(cts.Token));
        Assert.Equal([Protocol], refused.TriedProtocols);
        Assert.Contains("refused", refused.Message, StringComparison.Ordinal);
        // Every later read fails the same way; nothing after "na" is ever handed out as data.
        var again = await Assert.ThrowsAsync<ProtocolNegotiationException>(async () => await lazy.Input.ReadAsync(cts.Token));
        Assert.Equal([Protocol], again.TriedProtocols);
        Assert.Throws<ProtocolNegotiationException>(() => lazy.Input.TryRead(out _));
        Assert.Equal(1, failures);

        // The listener read the request as further proposals; with the dialer gone it gives up instead of waiting.
        await Assert.ThrowsAsync<ProtocolNegotiationException>(() => listen);
    }

    [Fact]
    public async Task Reading_before_writing_flushes_the_proposal()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var pair = new DuplexPipePair();
        var lazy = MultistreamSelect.SelectLazily(pair.A, Protocol);
        var listen = Task.Run(async () =>
        {
            string selected = await MultistreamSelect.ListenAsync(pair.B, [Protocol], cts.Token);
            await pair.B.Output.WriteAsync("hello"u8.ToArray(), cts.Token);
            return selected;
        }, cts.Token);

        Assert.Equal("hello", await ReadExactlyAsync(lazy.Input, 5, cts.Token));
        Assert.Equal(Protocol, await listen);
    }

    [Theory]
    [InlineData("/other/1.0.0")]
    [InlineData("/multistream/2.0.0")]
    public async Task An_unexpected_answer_is_a_violation(string answer)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var pair = new DuplexPipePair();
        var lazy = MultistreamSelect.SelectLazily(pair.A, Protocol);
        await lazy.Output.FlushAsync(cts.Token);
        var bytes = new ArrayBufferWriter<byte>();
        Frame(bytes, answer.StartsWith("/multistream/", StringComparison.Ordinal) ? answer : MultistreamSelect.ProtocolId);
        Frame(bytes, answer);
        await pair.B.Output.WriteAsync(bytes.WrittenMemory, cts.Token);

        var error = await Assert.ThrowsAsync<ProtocolNegotiationException>(async () => await lazy.Input.ReadAsync(cts.Token));
        Assert.Empty(error.TriedProtocols);
    }

    [Fact]
    public async Task The_remote_closing_before_answering_is_a_negotiation_error()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var pair = new DuplexPipePair();
        var lazy = MultistreamSelect.SelectLazily(pair.A, Protocol);
        await lazy.Output.FlushAsync(cts.Token);
        var partial = new ArrayBufferWriter<byte>();
        Frame(partial, MultistreamSelect.ProtocolId);
        await pair.B.Output.WriteAsync(partial.WrittenMemory, cts.Token);
        await pair.B.Output.CompleteAsync();

        var error = await Assert.ThrowsAsync<ProtocolNegotiationException>(async () => await lazy.Input.ReadAsync(cts.Token));
        Assert.Contains("closed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_failure_before_the_answer_is_a_negotiation_error_with_its_cause()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var pair = new DuplexPipePair();
        int failures = 0;
        var lazy = MultistreamSelect.SelectLazily(pair.A, Protocol, () => failures++);
        await lazy.Output.FlushAsync(cts.Token);
        await pair.B.Output.CompleteAsync(new IOException("stream reset"));

        var error = await Assert.ThrowsAsync<ProtocolNegotiationException>(async () => await lazy.Input.ReadAsync(cts.Token));
        Assert.IsType<IOException>(error.InnerException);
        Assert.Equal(1, failures);
    }

    private static void Frame(ArrayBufferWriter<byte> writer, string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message + "\n");
        Varint.Write(writer, (ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static async Task<string> ReadExactlyAsync(PipeReader reader, int count, CancellationToken ct)
    {
        var result = await reader.ReadAtLeastAsync(count, ct);
        var text = Encoding.UTF8.GetString(result.Buffer.Slice(0, count).ToArray());
        reader.AdvanceTo(result.Buffer.GetPosition(count));
        return text;
    }
}
