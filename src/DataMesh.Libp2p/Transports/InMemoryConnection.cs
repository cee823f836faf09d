using System.IO.Pipelines;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Transports;

/// <summary>One end of an in-memory connection: two pipes crossed, each bounded like a socket buffer.</summary>
internal sealed class InMemoryConnection : IRawConnection
{
    private readonly Pipe _incoming;
    private readonly Pipe _outgoing;
    private int _disposed;

    private InMemoryConnection(Pipe incoming, Pipe outgoing, Multiaddr local, Multiaddr remote)
    {
        _incoming = incoming;
        _outgoing = outgoing;
        LocalAddress = local;
        RemoteAddress = remote;
    }

    public static (InMemoryConnection Dialer, InMemoryConnection Listener) CreatePair(Multiaddr dialerAddress, Multiaddr listenerAddress, int bufferBytes)
    {
        var options = new PipeOptions(pauseWriterThreshold: bufferBytes, resumeWriterThreshold: bufferBytes / 2, useSynchronizationContext: false);
        var toListener = new Pipe(options);
        var toDialer = new Pipe(options);
        return (new InMemoryConnection(toDialer, toListener, dialerAddress, listenerAddress),
                new InMemoryConnection(toListener, toDialer, listenerAddress, dialerAddress));
    }

    public Multiaddr LocalAddress { get; }

    public Multiaddr RemoteAddress { get; }

    public PipeReader Input => _incoming.Reader;

    public PipeWriter Output => _outgoing.Writer;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        // Like closing a socket: the peer reads to the end of what we sent, and its writes to us stop.
        await _outgoing.Writer.CompleteAsync().ConfigureAwait(false);
        _incoming.Writer.CancelPendingFlush();
        await _incoming.Reader.CompleteAsync().ConfigureAwait(false);
    }
}
