using System.IO.Pipelines;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Transports;

/// <summary>A way to reach peers (TCP, in-memory): opens and accepts raw byte connections, nothing more.
/// Security and multiplexing are added above it by the host.</summary>
public interface ITransport
{
    bool CanDial(Multiaddr address);

    bool CanListen(Multiaddr address);

    ValueTask<IConnectionListener> ListenAsync(Multiaddr address, CancellationToken cancellationToken);

    /// <exception cref="Libp2pException">The address refused or could not be reached.</exception>
    ValueTask<IRawConnection> DialAsync(Multiaddr address, CancellationToken cancellationToken);
}

/// <summary>An unencrypted, unmultiplexed byte connection. Disposing it closes both directions.</summary>
public interface IRawConnection : IDuplexPipe, IAsyncDisposable
{
    Multiaddr LocalAddress { get; }

    Multiaddr RemoteAddress { get; }
}

/// <summary>Accepts inbound raw connections on one address.</summary>
public interface IConnectionListener : IAsyncDisposable
{
    /// <summary>The bound address (with the real port when port 0 was asked).</summary>
    Multiaddr ListenAddress { get; }

    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The listener was disposed.</exception>
    ValueTask<IRawConnection> AcceptAsync(CancellationToken cancellationToken);
}
