using System.IO.Pipelines;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Transports;

/// <summary>One end of an in-memory connection: reads what the other end sent, writes through its link.</summary>
internal sealed class InMemoryConnection : IRawConnection
{
    private readonly DelayedLinkWriter? _link;
    private int _disposed;

    public InMemoryConnection(Multiaddr localAddress, Multiaddr remoteAddress, PipeReader input, PipeWriter output)
    {
        LocalAddress = localAddress;
        RemoteAddress = remoteAddress;
        Input = input;
        Output = output;
        _link = output as DelayedLinkWriter;
    }

    public Multiaddr LocalAddress { get; }

    public Multiaddr RemoteAddress { get; }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    /// <summary>Both ends of a new connection; each direction is a bounded pipe, delayed when the link is not instant.</summary>
    public static (InMemoryConnection Dialer, InMemoryConnection Listener) CreatePair(
        Multiaddr dialerAddress, Multiaddr listenerAddress, InMemoryLinkOptions link, TimeProvider timeProvider)
    {
        Pipe toListener = CreatePipe(link);
        Pipe toDialer = CreatePipe(link);
        var dialer = new InMemoryConnection(dialerAddress, listenerAddress, toDialer.Reader, LinkWriter(toListener.Writer, link, timeProvider));
        var listener = new InMemoryConnection(listenerAddress, dialerAddress, toListener.Reader, LinkWriter(toDialer.Writer, link, timeProvider));
        return (dialer, listener);
    }

    public override string ToString() => $"memory {LocalAddress} <-> {RemoteAddress}";

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_link is not null)
        {
            await _link.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            await Output.CompleteAsync().ConfigureAwait(false);
        }

        await Input.CompleteAsync().ConfigureAwait(false);
    }

    private static Pipe CreatePipe(InMemoryLinkOptions link) =>
        new(new PipeOptions(pauseWriterThreshold: link.BufferSize, resumeWriterThreshold: link.BufferSize / 2, useSynchronizationContext: false));

    private static PipeWriter LinkWriter(PipeWriter destination, InMemoryLinkOptions link, TimeProvider timeProvider) =>
        link.IsInstant ? destination : new DelayedLinkWriter(destination, link, timeProvider);
}
