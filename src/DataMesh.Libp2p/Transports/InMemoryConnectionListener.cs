using System.Threading.Channels;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Transports;

/// <summary>A listener registered in an <see cref="InMemoryNetwork"/>; dialed connections wait in a bounded backlog.</summary>
internal sealed class InMemoryConnectionListener : IConnectionListener
{
    private readonly InMemoryNetwork _network;
    private readonly Channel<InMemoryConnection> _backlog;

    public InMemoryConnectionListener(InMemoryNetwork network, ulong port, int backlog)
    {
        _network = network;
        Port = port;
        ListenAddress = InMemoryNetwork.AddressOf(port);
        _backlog = Channel.CreateBounded<InMemoryConnection>(new BoundedChannelOptions(backlog) { SingleReader = false, SingleWriter = false });
    }

    public ulong Port { get; }

    public Multiaddr ListenAddress { get; }

    public bool IsClosed => _backlog.Reader.Completion.IsCompleted;

    public async ValueTask<IRawConnection> AcceptAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _backlog.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            throw new TransportException($"The in-memory listener on {ListenAddress} is closed.", ListenAddress, ex);
        }
    }

    /// <summary>False when the backlog is full or the listener closed.</summary>
    public bool TryEnqueue(InMemoryConnection connection) => _backlog.Writer.TryWrite(connection);

    public override string ToString() => $"memory listener {ListenAddress}";

    public async ValueTask DisposeAsync()
    {
        _network.Remove(this);
        if (!_backlog.Writer.TryComplete())
        {
            return;
        }

        while (_backlog.Reader.TryRead(out InMemoryConnection? pending))
        {
            await pending.DisposeAsync().ConfigureAwait(false);
        }
    }
}
