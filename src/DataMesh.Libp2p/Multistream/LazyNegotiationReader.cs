using System.Buffers;
using System.IO.Pipelines;

namespace DataMesh.Libp2p.Multistream;

/// <summary>
/// The input side of an optimistically negotiated stream (<see cref="MultistreamSelect.SelectLazily"/>): the first
/// read consumes the listener's multistream header and its answer to the single proposal before any application
/// byte is handed out. An echo lets the data through; "na" or anything else fails the read (and every later one)
/// with <see cref="ProtocolNegotiationException"/>, so a refusal can never be parsed as application data.
/// </summary>
/// <remarks>Not thread-safe, like any <see cref="PipeReader"/>: one reader at a time.</remarks>
internal sealed class LazyNegotiationReader : PipeReader
{
    private readonly PipeReader _inner;
    private readonly PipeWriter _output;
    private readonly string _protocol;
    private readonly Action? _onFailure;
    private bool _headerSeen;
    private bool _confirmed;
    private ProtocolNegotiationException? _failure;

    public LazyNegotiationReader(PipeReader inner, PipeWriter output, string protocol, Action? onFailure)
    {
        _inner = inner;
        _output = output;
        _protocol = protocol;
        _onFailure = onFailure;
    }

    /// <summary>True once the listener confirmed the protocol.</summary>
    public bool IsConfirmed => _confirmed;

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (!_confirmed)
        {
            await ConfirmAsync(cancellationToken).ConfigureAwait(false);
        }
        return await _inner.ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!_confirmed)
        {
            ThrowIfFailed();
            if (!_inner.TryRead(out ReadResult pending))
            {
                result = default;
                return false;
            }
            if (!ConsumeAnswers(pending))
            {
                result = default;
                return false;
            }
        }
        return _inner.TryRead(out result);
    }

    public override void AdvanceTo(SequencePosition consumed) => _inner.AdvanceTo(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => _inner.AdvanceTo(consumed, examined);

    public override void CancelPendingRead() => _inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => _inner.Complete(exception);

    private async ValueTask ConfirmAsync(CancellationToken cancellationToken)
    {
        ThrowIfFailed();
        // The proposal normally leaves with the caller's first flush; a caller that reads before flushing would
        // otherwise wait forever for an answer to a proposal still sitting in its own buffer.
        if (_output.CanGetUnflushedBytes && _output.UnflushedBytes > 0)
        {
            await MultistreamCodec.FlushAsync(_output, cancellationToken).ConfigureAwait(false);
        }
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _inner.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is not OperationCanceledException and not OutOfMemoryException)
            {
                // The stream failed (typically a reset) before the remote confirmed: to the caller this is the
                // negotiation failing, whatever the cause, never a half-open stream.
                var failure = new ProtocolNegotiationException(
                    $"The stream failed before the remote confirmed protocol {_protocol}: {error.Message}", error);
                Fail(failure);
                throw failure;
            }
            if (ConsumeAnswers(result))
            {
                return;
            }
            if (result.IsCanceled)
            {
                throw new OperationCanceledException("multistream-select read was canceled.");
            }
        }
    }

    /// <summary>Consumes what it can of the header and answer from a read of the inner pipe and advances it: past
    /// them once confirmed (the caller's data stays unread), else marking all as examined so the next read waits for
    /// more. True once confirmed.</summary>
    private bool ConsumeAnswers(in ReadResult result)
    {
        ReadOnlySequence<byte> buffer = result.Buffer;
        bool confirmed;
        try
        {
            confirmed = TryConsumeAnswers(ref buffer, result.IsCompleted);
        }
        catch
        {
            _inner.AdvanceTo(result.Buffer.Start);
            throw;
        }
        _inner.AdvanceTo(buffer.Start, confirmed ? buffer.Start : buffer.End);
        return confirmed;
    }

    /// <summary>Consumes the header and the answer from the front of <paramref name="buffer"/>; true once both are
    /// in and the answer is the echo. Throws (and remembers) a refusal or a violation.</summary>
    private bool TryConsumeAnswers(ref ReadOnlySequence<byte> buffer, bool isCompleted)
    {
        try
        {
            if (!_headerSeen)
            {
                string? header = MultistreamCodec.TryParse(ref buffer, MultistreamSelect.MaxMessageLength);
                if (header is null)
                {
                    return Incomplete(isCompleted);
                }
                if (header != MultistreamSelect.ProtocolId)
                {
                    throw new ProtocolNegotiationException(
                        $"The remote does not speak {MultistreamSelect.ProtocolId}: it sent '{MultistreamSelect.Truncate(header)}'.");
                }
                _headerSeen = true;
            }
            string? answer = MultistreamCodec.TryParse(ref buffer, MultistreamSelect.MaxMessageLength);
            if (answer is null)
            {
                return Incomplete(isCompleted);
            }
            if (answer == MultistreamSelect.NotAvailable)
            {
                throw new ProtocolNegotiationException(
                    $"The remote refused the optimistically selected protocol {_protocol}.", [_protocol]);
            }
            if (answer != _protocol)
            {
                throw new ProtocolNegotiationException(
                    $"Unexpected multistream response '{MultistreamSelect.Truncate(answer)}' to proposal '{_protocol}'.");
            }
            _confirmed = true;
            return true;
        }
        catch (ProtocolNegotiationException error)
        {
            Fail(error);
            throw;
        }
    }

    private static bool Incomplete(bool isCompleted) => isCompleted
        ? throw new ProtocolNegotiationException("The remote closed the stream during protocol negotiation.")
        : false;

    private void Fail(ProtocolNegotiationException error)
    {
        if (_failure is null)
        {
            _failure = error;
            _onFailure?.Invoke();
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is not null)
        {
            throw new ProtocolNegotiationException(_failure.Message, _failure.TriedProtocols);
        }
    }
}
