using System.Collections.Concurrent;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Transports;

/// <summary>A process-local "network" of /memory/&lt;n&gt; addresses for multi-node tests and simulations. The same host,
/// Noise and Yamux code runs above it as above TCP.</summary>
public sealed class InMemoryNetwork
{
    private readonly ConcurrentDictionary<ulong, InMemoryListener> _listeners = new();
    private long _nextEphemeral = 1L << 40;

    /// <summary>Bytes each direction of a connection buffers before the writer waits (flow control, as a socket).</summary>
    public int ConnectionBufferBytes { get; init; } = 1024 * 1024;

    internal InMemoryListener Listen(ulong port)
    {
        if (port == 0)
        {
            port = (ulong)Interlocked.Increment(ref _nextEphemeral);
        }
        var listener = new InMemoryListener(this, port);
        if (!_listeners.TryAdd(port, listener))
        {
            throw new Libp2pException($"/memory/{port} is already in use.");
        }
        return listener;
    }

    internal void Unlisten(ulong port) => _listeners.TryRemove(port, out _);

    internal ValueTask<IRawConnection> DialAsync(ulong port, CancellationToken cancellationToken)
    {
        if (!_listeners.TryGetValue(port, out InMemoryListener? listener))
        {
            throw new Libp2pException($"Nothing listens on /memory/{port}.");
        }
        ulong localPort = (ulong)Interlocked.Increment(ref _nextEphemeral);
        (InMemoryConnection dialer, InMemoryConnection accepted) = InMemoryConnection.CreatePair(
            Address(localPort), Address(port), ConnectionBufferBytes);
        if (!listener.TryEnqueue(accepted))
        {
            throw new Libp2pException($"/memory/{port} is not accepting connections.");
        }
        return ValueTask.FromResult<IRawConnection>(dialer);
    }

    internal static Multiaddr Address(ulong port) => Multiaddr.Parse($"/memory/{port}");

    internal static bool TryGetPort(Multiaddr address, out ulong port)
    {
        port = 0;
        IReadOnlyList<MultiaddrComponent> parts = address.Components;
        int count = parts.Count;
        if (count > 0 && parts[count - 1].Protocol == MultiaddrProtocol.P2p)
        {
            count--;
        }
        return count == 1 && parts[0].Protocol == MultiaddrProtocol.Memory && ulong.TryParse(parts[0].Value, out port);
    }
}
