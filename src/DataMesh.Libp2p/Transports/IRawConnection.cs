using System.IO.Pipelines;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Transports;

/// <summary>
/// A raw, not yet secured connection as a duplex pipe. Completing <see cref="IDuplexPipe.Output"/> half-closes it
/// (the peer's input ends); disposing closes it abortively and releases its resources.
/// </summary>
public interface IRawConnection : IDuplexPipe, IAsyncDisposable
{
    Multiaddr LocalAddress { get; }

    Multiaddr RemoteAddress { get; }
}
