using System.IO.Pipelines;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Yamux;

namespace DataMesh.Libp2p.Host;

/// <summary>A negotiated stream on a connection: one Yamux stream after multistream-select agreed on <see cref="Protocol"/>.</summary>
public sealed class Libp2pStream : IDuplexPipe, IAsyncDisposable
{
    private readonly YamuxStream _inner;
    private readonly PipeReader _input;

    /// <param name="input">The stream's input as the application sees it: the Yamux input itself, or a reader that
    /// first checks an optimistic negotiation's answer.</param>
    internal Libp2pStream(YamuxStream inner, string protocol, Connection connection, PipeReader? input = null)
    {
        _inner = inner;
        _input = input ?? inner.Input;
        Protocol = protocol;
        Connection = connection;
    }

    /// <summary>The protocol; with optimistic negotiation the one proposed, confirmed on the first read.</summary>
    public string Protocol { get; }

    public Connection Connection { get; }

    public PeerId RemotePeer => Connection.RemotePeer;

    public PipeReader Input => _input;

    public PipeWriter Output => _inner.Output;

    /// <summary>Lets the peer send until this stream holds <paramref name="window"/> bytes without waiting for window
    /// updates (<see cref="YamuxStream.TryGrowReceiveWindow"/>): call it when a request's header announced a large body.</summary>
    public bool TryGrowReceiveWindow(int window) => _inner.TryGrowReceiveWindow(window);

    /// <summary>Half-closes: tells the remote we will write nothing more, while we can still read its answer.</summary>
    public ValueTask CloseWriteAsync(CancellationToken cancellationToken) => _inner.CloseWriteAsync(cancellationToken);

    /// <summary>Abandons the stream in both directions (the remote sees a reset).</summary>
    public void Reset() => _inner.Reset();

    /// <summary>A <see cref="System.IO.Stream"/> view for code that wants one; disposing it does not close the stream.</summary>
    public Stream AsStream() => new DuplexPipeStream(this);

    public ValueTask DisposeAsync()
    {
        Connection.MarkActive();
        return _inner.DisposeAsync();
    }
}
