using System.IO.Pipelines;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Yamux;

namespace DataMesh.Libp2p.Host;

/// <summary>A negotiated stream on a connection: one Yamux stream after multistream-select agreed on <see cref="Protocol"/>.</summary>
public sealed class Libp2pStream : IDuplexPipe, IAsyncDisposable
{
    private readonly YamuxStream _inner;

    internal Libp2pStream(YamuxStream inner, string protocol, Connection connection)
    {
        _inner = inner;
        Protocol = protocol;
        Connection = connection;
    }

    public string Protocol { get; }

    public Connection Connection { get; }

    public PeerId RemotePeer => Connection.RemotePeer;

    public PipeReader Input => _inner.Input;

    public PipeWriter Output => _inner.Output;

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
