using System.Buffers;
using System.IO.Pipelines;

namespace DataMesh.Libp2p.Yamux;

/// <summary>
/// The application's view of a stream's inbound bytes. Delegates to the stream's inbound pipe and reports what
/// the application consumes, which is what frees receive window for the peer.
/// </summary>
internal sealed class YamuxStreamReader : PipeReader
{
    private readonly YamuxStream _stream;
    private readonly PipeReader _inner;
    private ReadOnlySequence<byte> _lastBuffer;
    private bool _completed;

    public YamuxStreamReader(YamuxStream stream, PipeReader inner)
    {
        _stream = stream;
        _inner = inner;
    }

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        _stream.ThrowIfLocallyReset();
        ReadResult result = await _inner.ReadAsync(cancellationToken).ConfigureAwait(false);
        _lastBuffer = result.Buffer;
        return result;
    }

    public override bool TryRead(out ReadResult result)
    {
        _stream.ThrowIfLocallyReset();
        if (_inner.TryRead(out result))
        {
            _lastBuffer = result.Buffer;
            return true;
        }

        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        long consumedBytes = _lastBuffer.Slice(_lastBuffer.Start, consumed).Length;
        _inner.AdvanceTo(consumed, examined);
        _lastBuffer = default;
        if (consumedBytes > 0)
        {
            _stream.OnInputConsumed((uint)consumedBytes);
        }
    }

    public override void CancelPendingRead() => _inner.CancelPendingRead();

    public override void Complete(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        _inner.Complete(exception);
        _lastBuffer = default;
        _stream.OnInputCompleted();
    }
}
