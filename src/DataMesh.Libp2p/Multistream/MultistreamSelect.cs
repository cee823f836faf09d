using System.Buffers;
using System.IO.Pipelines;

namespace DataMesh.Libp2p.Multistream;

/// <summary>
/// multistream-select 1.0.0 (libp2p connections spec): the dialer proposes protocols one at a time and the listener
/// echoes the one it accepts or answers "na". Both sides consume exactly the negotiation's bytes.
/// </summary>
internal static class MultistreamSelect
{
    public const string ProtocolId = "/multistream/1.0.0";

    /// <summary>Longest message accepted or sent, newline included (js-libp2p's MAX_PROTOCOL_LENGTH).</summary>
    public const int MaxMessageLength = 1024;

    /// <summary>Most proposals a listener answers before giving up on a dialer.</summary>
    public const int MaxListenerAttempts = 64;

    internal const string NotAvailable = "na";
    private const string List = "ls";

    /// <summary>Dialer side: proposes <paramref name="protocols"/> in order and returns the first one the remote
    /// accepts. The header and the first proposal go out in one write.</summary>
    /// <exception cref="ProtocolNegotiationException">The remote refused every protocol, or violated the protocol.</exception>
    public static async Task<string> SelectAsync(IDuplexPipe pipe, IReadOnlyList<string> protocols, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pipe);
        ArgumentNullException.ThrowIfNull(protocols);
        if (protocols.Count == 0)
        {
            throw new ArgumentException("At least one protocol must be proposed.", nameof(protocols));
        }
        foreach (var protocol in protocols)
        {
            ValidateProtocolId(protocol, nameof(protocols));
        }

        MultistreamCodec.Write(pipe.Output, ProtocolId, MaxMessageLength);
        MultistreamCodec.Write(pipe.Output, protocols[0], MaxMessageLength);
        await MultistreamCodec.FlushAsync(pipe.Output, cancellationToken).ConfigureAwait(false);

        var header = await MultistreamCodec.ReadAsync(pipe.Input, MaxMessageLength, cancellationToken).ConfigureAwait(false);
        if (header != ProtocolId)
        {
            throw new ProtocolNegotiationException($"The remote does not speak {ProtocolId}: it sent '{Truncate(header)}'.");
        }
        for (var i = 0; i < protocols.Count; i++)
        {
            if (i > 0)
            {
                MultistreamCodec.Write(pipe.Output, protocols[i], MaxMessageLength);
                await MultistreamCodec.FlushAsync(pipe.Output, cancellationToken).ConfigureAwait(false);
            }
            var response = await MultistreamCodec.ReadAsync(pipe.Input, MaxMessageLength, cancellationToken).ConfigureAwait(false);
            if (response == protocols[i])
            {
                return response;
            }
            if (response != NotAvailable)
            {
                throw new ProtocolNegotiationException($"Unexpected multistream response '{Truncate(response)}' to proposal '{protocols[i]}'.");
            }
        }
        throw new ProtocolNegotiationException(
            $"The remote supports none of the proposed protocols: {string.Join(", ", protocols)}.", [.. protocols]);
    }

    /// <summary>
    /// Dialer side, optimistic ("lazy", as rust-libp2p's V1Lazy and js-libp2p's lazy select): settles on
    /// <paramref name="protocol"/> without waiting for the listener. The header and the proposal are written to
    /// <paramref name="pipe"/>'s output but not flushed, so they leave in one write with the caller's first
    /// request; no round trip is spent. The returned pipe's input checks the listener's answer on the first read
    /// (which also flushes anything still unflushed): the echo lets the answer through, a refusal ("na") or a
    /// violation fails that read and every later one with <see cref="ProtocolNegotiationException"/> (a refusal
    /// names the protocol in <see cref="ProtocolNegotiationException.TriedProtocols"/>), and
    /// <paramref name="onFailure"/> runs once (reset the stream there: a listener that refused reads the request
    /// as further proposals and must not be left waiting).
    /// </summary>
    /// <remarks>
    /// Only for a single protocol the listener is known to support (Identify listed it): against a listener that
    /// does not, the request was already sent and is wasted. Do not write concurrently with the first read.
    /// The listener side needs nothing special: <see cref="ListenAsync(IDuplexPipe, Func{string, bool}, CancellationToken)"/>
    /// consumes exactly the negotiation's messages and leaves the request behind them in the pipe.
    /// </remarks>
    public static IDuplexPipe SelectLazily(IDuplexPipe pipe, string protocol, Action? onFailure = null)
    {
        ArgumentNullException.ThrowIfNull(pipe);
        ValidateProtocolId(protocol, nameof(protocol));
        MultistreamCodec.Write(pipe.Output, ProtocolId, MaxMessageLength);
        MultistreamCodec.Write(pipe.Output, protocol, MaxMessageLength);
        return new LazyNegotiatedPipe(new LazyNegotiationReader(pipe.Input, pipe.Output, protocol, onFailure), pipe.Output);
    }

    /// <summary>Listener side: answers proposals until one satisfies <paramref name="isSupported"/>, which is then
    /// echoed and returned. "ls" is answered with an empty list (a predicate cannot enumerate).</summary>
    public static Task<string> ListenAsync(IDuplexPipe pipe, Func<string, bool> isSupported, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(isSupported);
        return ListenCoreAsync(pipe, isSupported, [], cancellationToken);
    }

    /// <summary>Listener side for a known protocol set; "ls" is answered with <paramref name="protocols"/>.</summary>
    public static Task<string> ListenAsync(IDuplexPipe pipe, IReadOnlyCollection<string> protocols, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(protocols);
        var set = protocols.ToHashSet(StringComparer.Ordinal);
        return ListenCoreAsync(pipe, set.Contains, protocols, cancellationToken);
    }

    private static async Task<string> ListenCoreAsync(IDuplexPipe pipe, Func<string, bool> isSupported,
        IReadOnlyCollection<string> listed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pipe);
        MultistreamCodec.Write(pipe.Output, ProtocolId, MaxMessageLength);
        await MultistreamCodec.FlushAsync(pipe.Output, cancellationToken).ConfigureAwait(false);

        var header = await MultistreamCodec.ReadAsync(pipe.Input, MaxMessageLength, cancellationToken).ConfigureAwait(false);
        if (header != ProtocolId)
        {
            throw new ProtocolNegotiationException($"The remote does not speak {ProtocolId}: it sent '{Truncate(header)}'.");
        }
        for (var attempt = 0; attempt < MaxListenerAttempts; attempt++)
        {
            var proposal = await MultistreamCodec.ReadAsync(pipe.Input, MaxMessageLength, cancellationToken).ConfigureAwait(false);
            if (proposal == List)
            {
                WriteList(pipe.Output, listed);
            }
            else if (proposal != ProtocolId && proposal != NotAvailable && isSupported(proposal))
            {
                MultistreamCodec.Write(pipe.Output, proposal, MaxMessageLength);
                await MultistreamCodec.FlushAsync(pipe.Output, cancellationToken).ConfigureAwait(false);
                return proposal;
            }
            else
            {
                MultistreamCodec.Write(pipe.Output, NotAvailable, MaxMessageLength);
            }
            await MultistreamCodec.FlushAsync(pipe.Output, cancellationToken).ConfigureAwait(false);
        }
        throw new ProtocolNegotiationException($"The remote made more than {MaxListenerAttempts} proposals without agreement.");
    }

    /// <summary>The "ls" answer (as go-multistream): one message whose body is the framed protocol ids.</summary>
    private static void WriteList(PipeWriter output, IReadOnlyCollection<string> protocols)
    {
        var body = new ArrayBufferWriter<byte>();
        foreach (var protocol in protocols)
        {
            MultistreamCodec.Write(body, protocol, MaxMessageLength);
        }
        MultistreamCodec.WriteRaw(output, body.WrittenSpan);
    }

    private static void ValidateProtocolId(string protocol, string parameterName)
    {
        if (string.IsNullOrEmpty(protocol) || protocol.Contains('\n', StringComparison.Ordinal)
            || System.Text.Encoding.UTF8.GetByteCount(protocol) + 1 > MaxMessageLength)
        {
            throw new ArgumentException($"Invalid protocol id '{protocol}': it must be non-empty, without newlines, at most {MaxMessageLength - 1} bytes.", parameterName);
        }
    }

    internal static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "…";

    private sealed record LazyNegotiatedPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
