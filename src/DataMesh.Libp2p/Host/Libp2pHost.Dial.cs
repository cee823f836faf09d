using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Multistream;
using DataMesh.Libp2p.Noise;
using DataMesh.Libp2p.Transports;
using DataMesh.Libp2p.Yamux;
using Microsoft.Extensions.Logging;
using PeerId = DataMesh.Libp2p.Identity.PeerId;

namespace DataMesh.Libp2p.Host;

public sealed partial class Libp2pHost
{
    internal const string NoiseProtocolId = "/noise";
    internal const string YamuxProtocolId = "/yamux/1.0.0";

    /// <summary>Dials an address. With a /p2p/ part, an existing connection to that peer is reused, and the remote
    /// must prove that identity in the Noise handshake.</summary>
    /// <exception cref="PeerUnreachableException">The address cannot be reached in time.</exception>
    /// <exception cref="PeerIdMismatchException">The remote proved a different identity.</exception>
    public async Task<Connection> DialAsync(Multiaddr address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        ThrowIfDisposed();
        PeerId? expected = address.PeerId;
        if (expected is not null)
        {
            if (expected.Equals(PeerId))
            {
                throw new Libp2pException($"Refusing to dial {address}: it is this node's own peer id.");
            }
            if (GetConnection(expected) is { } existing)
            {
                return existing;
            }
        }
        Multiaddr target = expected is null ? address : address.WithoutPeerId();
        ITransport transport = _transports.FirstOrDefault(t => t.CanDial(target))
            ?? throw new Libp2pException($"No transport can dial {address}.");

        IRawConnection raw;
        using (var dialing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token))
        {
            dialing.CancelAfter(Options.DialTimeout);
            try
            {
                raw = await transport.DialAsync(target, dialing.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_shutdown.IsCancellationRequested)
            {
                throw new PeerUnreachableException($"Dialing {address} timed out after {Options.DialTimeout.TotalSeconds:0.#} s.");
            }
            catch (Libp2pException error)
            {
                throw new PeerUnreachableException($"Could not dial {address}: {error.Message}", error);
            }
        }
        Connection connection = await UpgradeAsync(raw, ConnectionDirection.Outbound, expected, cancellationToken).ConfigureAwait(false);
        Peers.AddAddresses(connection.RemotePeer, [target]);
        return connection;
    }

    /// <summary>Returns an open connection to the peer, dialing its known addresses in turn when there is none.</summary>
    /// <exception cref="PeerUnreachableException">No address is known, or none answered.</exception>
    public async Task<Connection> ConnectAsync(PeerId peer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (GetConnection(peer) is { } existing)
        {
            return existing;
        }
        IReadOnlyList<Multiaddr> addresses = Peers.Get(peer)?.Addresses ?? [];
        if (addresses.Count == 0)
        {
            throw new PeerUnreachableException($"No address is known for peer {peer}.");
        }
        var failures = new List<Exception>();
        foreach (Multiaddr address in addresses)
        {
            try
            {
                return await DialAsync(address.WithPeerId(peer), cancellationToken).ConfigureAwait(false);
            }
            catch (Libp2pException error) when (!cancellationToken.IsCancellationRequested)
            {
                failures.Add(error);
            }
        }
        throw new PeerUnreachableException(
            $"Could not reach peer {peer} at any of its {addresses.Count} known addresses: {string.Join("; ", failures.Select(f => f.Message))}",
            new AggregateException(failures));
    }

    private async Task<Connection> UpgradeAsync(IRawConnection raw, ConnectionDirection direction, PeerId? expectedPeer, CancellationToken cancellationToken)
    {
        bool outbound = direction == ConnectionDirection.Outbound;
        TimeSpan deadline = outbound ? Options.HandshakeTimeout : Options.InboundHandshakeTimeout;
        NoiseChannel? secure = null;
        YamuxSession session;
        using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token))
        {
            handshake.CancelAfter(deadline);
            try
            {
                if (outbound)
                {
                    await MultistreamSelect.SelectAsync(raw, [NoiseProtocolId], handshake.Token).ConfigureAwait(false);
                    secure = await NoiseUpgrader.SecureOutboundAsync(raw, _identity, expectedPeer, handshake.Token).ConfigureAwait(false);
                    await MultistreamSelect.SelectAsync(secure, [YamuxProtocolId], handshake.Token).ConfigureAwait(false);
                }
                else
                {
                    await MultistreamSelect.ListenAsync(raw, p => p == NoiseProtocolId, handshake.Token).ConfigureAwait(false);
                    secure = await NoiseUpgrader.SecureInboundAsync(raw, _identity, handshake.Token).ConfigureAwait(false);
                    await MultistreamSelect.ListenAsync(secure, p => p == YamuxProtocolId, handshake.Token).ConfigureAwait(false);
                }
                session = new YamuxSession(secure, outbound, Options.Yamux, TimeProvider, _loggerFactory.CreateLogger<YamuxSession>());
            }
            catch (Exception error)
            {
                if (secure is not null)
                {
                    await secure.DisposeAsync().ConfigureAwait(false);
                }
                await raw.DisposeAsync().ConfigureAwait(false);
                if (error is OperationCanceledException && !cancellationToken.IsCancellationRequested && !_shutdown.IsCancellationRequested)
                {
                    throw new HandshakeTimeoutException($"The connection upgrade with {raw.RemoteAddress} did not finish within {deadline.TotalSeconds:0.#} s.");
                }
                if (error is Libp2pException or OperationCanceledException)
                {
                    throw;
                }
                throw new Libp2pException($"The connection upgrade with {raw.RemoteAddress} failed: {error.Message}", error);
            }
        }

        var connection = new Connection(this, raw, secure, session, direction, TimeProvider.GetUtcNow(), _logger);
        (ResourceLease? lease, ResourceScopeKind refusedBy) = await TryRegisterAsync(connection, cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            await session.DisposeAsync().ConfigureAwait(false);
            await secure.DisposeAsync().ConfigureAwait(false);
            await raw.DisposeAsync().ConfigureAwait(false);
            int limit = refusedBy == ResourceScopeKind.Peer ? Options.MaxConnectionsPerPeer : Options.MaxConnections;
            throw new ConnectionLimitException($"The {refusedBy.ToString().ToLowerInvariant()} connection limit ({limit}) is reached; refused {connection}.");
        }
        session.Start();
        connection.Start(lease);
        Peers.Touch(connection.RemotePeer, connection.RemotePublicKey);
        Log.ConnectionOpened(_logger, connection.RemotePeer, direction, connection.RemoteAddress);
        ConnectionOpened?.Invoke(connection);
        _background.Track(() => IdentifyAsync(connection));
        OnConnectionRegistered();
        return connection;
    }

    /// <summary>Charges the connection to the system and peer scopes and registers it. At the system limit the
    /// connection manager first makes room by closing the least useful connection, once; a peer over its own limit
    /// is refused. Returns the lease (null when refused, with the scope that refused).</summary>
    private async Task<(ResourceLease? Lease, ResourceScopeKind RefusedBy)> TryRegisterAsync(Connection connection, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            if (_shutdown.IsCancellationRequested)
            {
                return (null, ResourceScopeKind.System);
            }
            if (Resources.TryAcquireConnection(connection.RemotePeer, out ResourceLease? lease, out ResourceScopeKind refusedBy))
            {
                if (_connections.TryAdd(connection, 0))
                {
                    return (lease, default);
                }
                lease.Dispose();
                return (null, ResourceScopeKind.System);
            }
            if (refusedBy != ResourceScopeKind.System || attempt > 0 ||
                await TrimConnectionsAsync(cancellationToken, room: 1).ConfigureAwait(false) == 0)
            {
                Log.ConnectionRefused(_logger, connection.RemotePeer, refusedBy);
                return (null, refusedBy);
            }
        }
    }
}
