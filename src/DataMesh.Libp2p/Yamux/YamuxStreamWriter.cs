using System.IO.Pipelines;

namespace DataMesh.Libp2p.Yamux;

/// <summary>
/// The application's view of a stream's outbound bytes. Data goes into the stream's outbound pipe (whose pause
/// threshold is the sender-side memory bound); flushing hands it to the session's write loop, which sends it
/// within the peer's window. Completing sends FIN; completing with an exception resets the stream.
/// </summary>
internal sealed class YamuxStreamWriter : PipeWriter
{
    private readonly YamuxStream _stream;
    private readonly PipeWriter _inner;
    private bool _completed;

    public YamuxStreamWriter(YamuxStream stream, PipeWriter inner)
    {
        _stream = stream;
        _inner = inner;
    }

    public override bool CanGetUnflushedBytes => _inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => _inner.UnflushedBytes;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        _stream.ThrowIfWriteUnavailable();
        return _inner.GetMemory(sizeHint);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        _stream.ThrowIfWriteUnavailable();
        return _inner.GetSpan(sizeHint);
    }

    public override void Advance(int bytes) => _inner.Advance(bytes);

    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        _stream.ThrowIfWriteUnavailable();
        ValueTask<FlushResult> flush = _inner.FlushAsync(cancellationToken);
        _stream.RequestSend();
        FlushResult result = await flush.ConfigureAwait(false);
        if (result.IsCompleted)
        {
            // The write loop stopped consuming: the stream was reset or the session ended.
            _stream.ThrowIfWriteUnavailable();
        }

        return result;
    }

    public override void CancelPendingFlush() => _inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        _inner.Complete(exception);
        if (exception is null)
        {
            _stream.RequestSend();
        }
        else
        {
            _stream.Reset();
        }
    }
}
