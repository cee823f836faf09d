using System.Buffers.Binary;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Transports;

/// <summary>
/// A simulated network of /memory/&lt;n&gt; addresses shared by the <see cref="InMemoryTransport"/>s created over it.
/// Links are instant by default; <see cref="SetLink"/> gives a pair of addresses latency and a rate, applied with
/// the network's <see cref="TimeProvider"/> (a fake one makes simulations deterministic).
/// </summary>
public sealed class InMemoryNetwork
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, InMemoryConnectionListener> _listeners = [];
    private readonly Dictionary<(ulong, ulong), InMemoryLinkOptions> _links = [];
    private ulong _nextPort = 1;

    public InMemoryNetwork(TimeProvider? timeProvider = null, InMemoryLinkOptions? defaultLink = null)
    {
        defaultLink?.Validate();
        TimeProvider = timeProvider ?? TimeProvider.System;
        DefaultLink = defaultLink ?? InMemoryLinkOptions.Instant;
    }

    public TimeProvider TimeProvider { get; }

    /// <summary>Properties of every link without its own <see cref="SetLink"/> entry.</summary>
    public InMemoryLinkOptions DefaultLink { get; }

    /// <summary>Pending connections per listener before further dials fail.</summary>
    public int ListenBacklog { get; init; } = 128;

    /// <summary>Addresses with an active listener.</summary>
    public int ListenerCount
    {
        get
        {
            lock (_gate)
            {
                return _listeners.Count;
            }
        }
    }

    /// <summary>
    /// Sets the link between two /memory addresses (both directions). A connection uses it when dialed by a
    /// transport listening on one of them to the other.
    /// </summary>
    public void SetLink(Multiaddr first, Multiaddr second, InMemoryLinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ulong a = RequirePort(first);
        ulong b = RequirePort(second);
        lock (_gate)
        {
            _links[Key(a, b)] = options;
        }
    }

    internal static Multiaddr AddressOf(ulong port)
    {
        byte[] value = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(value, port);
        return Multiaddr.FromComponents([new MultiaddrComponent(MultiaddrProtocol.Memory, port.ToString(System.Globalization.CultureInfo.InvariantCulture), value)]);
    }

    /// <summary>/memory/&lt;n&gt;, optionally followed by /p2p/….</summary>
    internal static bool TryGetPort(Multiaddr address, out ulong port)
    {
        port = 0;
        IReadOnlyList<MultiaddrComponent> components = address.Components;
        bool shapeOk = components.Count == 1 || (components.Count == 2 && ReferenceEquals(components[1].Protocol, MultiaddrProtocol.P2p));
        if (!shapeOk || !ReferenceEquals(components[0].Protocol, MultiaddrProtocol.Memory))
        {
            return false;
        }

        port = BinaryPrimitives.ReadUInt64BigEndian(components[0].ValueBytes.Span);
        return true;
    }

    internal InMemoryConnectionListener Listen(Multiaddr address)
    {
        ulong requested = RequirePort(address);
        lock (_gate)
        {
            ulong port = requested == 0 ? AllocatePortLocked() : requested;
            if (_listeners.ContainsKey(port))
            {
                throw new TransportException($"Cannot listen on {address}: the address is already in use.", address);
            }

            var listener = new InMemoryConnectionListener(this, port, ListenBacklog);
            _listeners[port] = listener;
            return listener;
        }
    }

    internal void Remove(InMemoryConnectionListener listener)
    {
        lock (_gate)
        {
            if (_listeners.TryGetValue(listener.Port, out InMemoryConnectionListener? registered) && ReferenceEquals(registered, listener))
            {
                _listeners.Remove(listener.Port);
            }
        }
    }

    internal InMemoryConnectionListener? Find(ulong port)
    {
        lock (_gate)
        {
            return _listeners.GetValueOrDefault(port);
        }
    }

    internal InMemoryLinkOptions LinkBetween(ulong a, ulong b)
    {
        lock (_gate)
        {
            return _links.GetValueOrDefault(Key(a, b)) ?? DefaultLink;
        }
    }

    /// <summary>A fresh address for a dialer that does not listen (never one a listener holds at the time).</summary>
    internal ulong AllocatePort()
    {
        lock (_gate)
        {
            return AllocatePortLocked();
        }
    }

    private ulong AllocatePortLocked()
    {
        while (_listeners.ContainsKey(_nextPort) || _nextPort == 0)
        {
            _nextPort++;
        }

        return _nextPort++;
    }

    private static ulong RequirePort(Multiaddr address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return TryGetPort(address, out ulong port)
            ? port
            : throw new TransportException($"{address} is not an in-memory address (/memory/<n>).", address);
    }

    private static (ulong, ulong) Key(ulong a, ulong b) => a <= b ? (a, b) : (b, a);
}
