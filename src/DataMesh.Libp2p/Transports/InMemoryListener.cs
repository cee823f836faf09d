using System.Threading.Channels;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Transports;

internal sealed class InMemoryListener : IConnectionListener
{
    private const int Backlog = 512;

    private readonly InMemoryNetwork _network;
    private readonly ulong _port;
    private readonly Channel<InMemoryConnection> _pending = Channel.CreateBounded<InMemoryConnection>(
        new BoundedChannelOptions(Backlog) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = false });

    public InMemoryListener(InMemoryNetwork network, ulong port)
    {
        _network = network;
        _port = port;
        ListenAddress = InMemoryNetwork.Address(port);
    }

    public Multiaddr ListenAddress { get; }

    public bool TryEnqueue(InMemoryConnection connection) => _pending.Writer.TryWrite(connection);

    public async ValueTask<IRawConnection> AcceptAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _pending.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException error)
        {
            throw new ObjectDisposedException(nameof(InMemoryListener), error);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _network.Unlisten(_port);
        _pending.Writer.TryComplete();
        while (_pending.Reader.TryRead(out InMemoryConnection? unaccepted))
        {
            await unaccepted.DisposeAsync().ConfigureAwait(false);
        }
    }
}
