using System.Diagnostics.CodeAnalysis;
using PeerId = DataMesh.Libp2p.Identity.PeerId;

namespace DataMesh.Libp2p.Host;

/// <summary>What a scope counts. Later kinds (memory reservations) are charged to the same scopes.</summary>
internal enum ResourceKind
{
    PendingHandshakes,
    Connections,
    InboundStreams,
}

/// <summary>Which scope a limit belongs to, as go-libp2p's resource manager scopes them.</summary>
internal enum ResourceScopeKind
{
    System,
    Peer,
    Address,
}

/// <summary>How much the host holds now, for diagnostics and tests: every count returns to zero once the peers leave.</summary>
internal readonly record struct ResourceUsage(int PendingHandshakes, int Connections, int InboundStreams, int PeerScopes, int AddressScopes);

/// <summary>Counts what peers make the host hold, in nested scopes (the whole system, one peer, one remote network),
/// and refuses an acquisition that would take any of its scopes over its limit (<see cref="HostOptions"/>). Every
/// acquisition returns a <see cref="ResourceLease"/> that the holder disposes on every path; a peer or address scope
/// exists only while something is charged to it, so the bookkeeping is bounded by what is held.</summary>
internal sealed class ResourceManager
{
    private readonly HostOptions _limits;
    private readonly Lock _gate = new();
    private readonly Scope _system = new(ResourceScopeKind.System, null);
    private readonly Dictionary<PeerId, Scope> _peers = [];
    private readonly Dictionary<string, Scope> _addresses = new(StringComparer.Ordinal);

    public ResourceManager(HostOptions limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _limits = limits;
    }

    public ResourceUsage Usage
    {
        get
        {
            lock (_gate)
            {
                return new ResourceUsage(_system.Count(ResourceKind.PendingHandshakes), _system.Count(ResourceKind.Connections),
                    _system.Count(ResourceKind.InboundStreams), _peers.Count, _addresses.Count);
            }
        }
    }

    /// <summary>An inbound connection's handshake, charged to the system and to its remote network
    /// (<paramref name="addressKey"/> from <see cref="AddressPrefix"/>; null: the system alone).</summary>
    public bool TryAcquireHandshake(string? addressKey, [NotNullWhen(true)] out ResourceLease? lease, out ResourceScopeKind refusedBy) =>
        TryAcquire(ResourceKind.PendingHandshakes, peer: null, addressKey, out lease, out refusedBy);

    /// <summary>An upgraded connection, either direction, charged to the system and to its peer.</summary>
    public bool TryAcquireConnection(PeerId peer, [NotNullWhen(true)] out ResourceLease? lease, out ResourceScopeKind refusedBy) =>
        TryAcquire(ResourceKind.Connections, peer, addressKey: null, out lease, out refusedBy);

    /// <summary>A stream the peer opened, held while its handler runs, charged to the system and to the peer.</summary>
    public bool TryAcquireInboundStream(PeerId peer, [NotNullWhen(true)] out ResourceLease? lease, out ResourceScopeKind refusedBy) =>
        TryAcquire(ResourceKind.InboundStreams, peer, addressKey: null, out lease, out refusedBy);

    private int LimitOf(ResourceScopeKind scope, ResourceKind kind) => (scope, kind) switch
    {
        (ResourceScopeKind.System, ResourceKind.PendingHandshakes) => _limits.MaxPendingInboundHandshakes,
        (ResourceScopeKind.Address, ResourceKind.PendingHandshakes) => _limits.MaxPendingInboundHandshakesPerAddress,
        (ResourceScopeKind.System, ResourceKind.Connections) => _limits.MaxConnections,
        (ResourceScopeKind.Peer, ResourceKind.Connections) => _limits.MaxConnectionsPerPeer,
        (ResourceScopeKind.System, ResourceKind.InboundStreams) => _limits.MaxInboundStreams,
        (ResourceScopeKind.Peer, ResourceKind.InboundStreams) => _limits.MaxInboundStreamsPerPeer,
        _ => int.MaxValue,
    };

    private bool TryAcquire(ResourceKind kind, PeerId? peer, string? addressKey, [NotNullWhen(true)] out ResourceLease? lease, out ResourceScopeKind refusedBy)
    {
        lock (_gate)
        {
            Scope? peerScope = peer is null ? null : GetOrAdd(_peers, peer, ResourceScopeKind.Peer);
            Scope? addressScope = addressKey is null ? null : GetOrAdd(_addresses, addressKey, ResourceScopeKind.Address);
            Scope[] scopes = [_system, .. new[] { peerScope, addressScope }.OfType<Scope>()];
            foreach (Scope scope in scopes)
            {
                if (scope.Count(kind) >= LimitOf(scope.Kind, kind))
                {
                    refusedBy = scope.Kind;
                    lease = null;
                    RemoveIfEmpty(peerScope);
                    RemoveIfEmpty(addressScope);
                    return false;
                }
            }
            foreach (Scope scope in scopes)
            {
                scope.Add(kind, 1);
            }
            refusedBy = default;
            lease = new ResourceLease(this, kind, scopes);
            return true;
        }
    }

    internal void Release(ResourceKind kind, Scope[] scopes)
    {
        lock (_gate)
        {
            foreach (Scope scope in scopes)
            {
                scope.Add(kind, -1);
                RemoveIfEmpty(scope);
            }
        }
    }

    private static Scope GetOrAdd<TKey>(Dictionary<TKey, Scope> scopes, TKey key, ResourceScopeKind kind) where TKey : notnull
    {
        if (!scopes.TryGetValue(key, out Scope? scope))
        {
            scope = new Scope(kind, key);
            scopes.Add(key, scope);
        }
        return scope;
    }

    private void RemoveIfEmpty(Scope? scope)
    {
        if (scope is null || !scope.IsEmpty)
        {
            return;
        }
        switch (scope.Kind)
        {
            case ResourceScopeKind.Peer:
                _peers.Remove((PeerId)scope.Key!);
                break;
            case ResourceScopeKind.Address:
                _addresses.Remove((string)scope.Key!);
                break;
        }
    }

    /// <summary>One scope's counters; touched only under the manager's lock.</summary>
    internal sealed class Scope(ResourceScopeKind kind, object? key)
    {
        private readonly int[] _counts = new int[Enum.GetValues<ResourceKind>().Length];

        public ResourceScopeKind Kind { get; } = kind;

        public object? Key { get; } = key;

        public bool IsEmpty => _counts.All(c => c == 0);

        public int Count(ResourceKind kind) => _counts[(int)kind];

        public void Add(ResourceKind kind, int delta) => _counts[(int)kind] += delta;
    }
}

/// <summary>What one acquisition charged; disposing releases it, once, however many times it is called.</summary>
internal sealed class ResourceLease : IDisposable
{
    private readonly ResourceManager _owner;
    private readonly ResourceKind _kind;
    private readonly ResourceManager.Scope[] _scopes;
    private int _released;

    internal ResourceLease(ResourceManager owner, ResourceKind kind, ResourceManager.Scope[] scopes)
    {
        _owner = owner;
        _kind = kind;
        _scopes = scopes;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _owner.Release(_kind, _scopes);
        }
    }
}
