using System.Net;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Libp2p.Tests.Host;

public sealed class ResourceManagerTests
{
    private static readonly HostOptions Limits = HostOptions.Default with
    {
        MaxPendingInboundHandshakes = 3,
        MaxPendingInboundHandshakesPerAddress = 2,
        MaxConnections = 3,
        MaxConnectionsPerPeer = 2,
        MaxInboundStreams = 3,
        MaxInboundStreamsPerPeer = 2,
    };

    [Fact]
    public void HandshakesAreLimitedPerAddressAndInTotal()
    {
        var resources = new ResourceManager(Limits);
        Assert.True(resources.TryAcquireHandshake("203.0.113.0/24", out ResourceLease? a, out _));
        Assert.True(resources.TryAcquireHandshake("203.0.113.0/24", out ResourceLease? b, out _));
        Assert.False(resources.TryAcquireHandshake("203.0.113.0/24", out _, out ResourceScopeKind refusedBy));
        Assert.Equal(ResourceScopeKind.Address, refusedBy);

        Assert.True(resources.TryAcquireHandshake("198.51.100.0/24", out ResourceLease? c, out _));
        Assert.False(resources.TryAcquireHandshake("192.0.2.0/24", out _, out refusedBy));
        Assert.Equal(ResourceScopeKind.System, refusedBy);
        Assert.Equal(new ResourceUsage(3, 0, 0, 0, 2), resources.Usage);

        a.Dispose();
        a.Dispose(); // released once, however often disposed
        Assert.True(resources.TryAcquireHandshake("192.0.2.0/24", out ResourceLease? d, out _));
        Assert.Equal(3, resources.Usage.PendingHandshakes);
        foreach (ResourceLease lease in new[] { b, c, d })
        {
            lease.Dispose();
        }
        Assert.Equal(default, resources.Usage);
    }

    [Fact]
    public void ConnectionsAndStreamsAreLimitedPerPeerAndInTotal()
    {
        var resources = new ResourceManager(Limits);
        PeerId first = DataMesh.Libp2p.Identity.Identity.Generate().PeerId;
        PeerId second = DataMesh.Libp2p.Identity.Identity.Generate().PeerId;
        Assert.True(resources.TryAcquireConnection(first, out ResourceLease? c1, out _));
        Assert.True(resources.TryAcquireConnection(first, out ResourceLease? c2, out _));
        Assert.False(resources.TryAcquireConnection(first, out _, out ResourceScopeKind refusedBy));
        Assert.Equal(ResourceScopeKind.Peer, refusedBy);
        Assert.True(resources.TryAcquireConnection(second, out ResourceLease? c3, out _));
        Assert.False(resources.TryAcquireConnection(second, out _, out refusedBy));
        Assert.Equal(ResourceScopeKind.System, refusedBy);

        Assert.True(resources.TryAcquireInboundStream(first, out ResourceLease? s1, out _));
        Assert.True(resources.TryAcquireInboundStream(first, out ResourceLease? s2, out _));
        Assert.False(resources.TryAcquireInboundStream(first, out _, out refusedBy));
        Assert.Equal(ResourceScopeKind.Peer, refusedBy);
        Assert.Equal(new ResourceUsage(0, 3, 2, 2, 0), resources.Usage);

        foreach (ResourceLease lease in new[] { c1, c2, c3, s1, s2 })
        {
            lease.Dispose();
        }
        Assert.Equal(default, resources.Usage);
    }

    [Theory]
    [InlineData("/ip4/203.0.113.77/tcp/4001", "203.0.113.0/24")]
    [InlineData("/ip4/127.0.0.1/tcp/4001", "127.0.0.1")]
    [InlineData("/ip4/127.0.0.2/tcp/4001", "127.0.0.2")]
    [InlineData("/ip6/2001:db8:1234:5678::1/tcp/4001", "2001:db8:1234::/48")]
    [InlineData("/ip6/::1/tcp/4001", "::1")]
    public void AddressesAreGroupedByNetworkAndLoopbackAddressesOneByOne(string address, string expected) =>
        Assert.Equal(expected, AddressPrefix.KeyOf(Multiaddr.Parse(address)));

    [Fact]
    public void Ipv4MappedAddressesCountAsIpv4AndNonIpAddressesHaveNoPrefix()
    {
        Assert.Equal("203.0.113.0/24", AddressPrefix.KeyOf(IPAddress.Parse("::ffff:203.0.113.9")));
        Assert.Null(AddressPrefix.KeyOf(Multiaddr.Parse("/memory/7")));
    }

    [Theory]
    [InlineData(nameof(HostOptions.MaxPendingInboundHandshakesPerAddress))]
    [InlineData(nameof(HostOptions.MaxConnectionsPerPeer))]
    [InlineData(nameof(HostOptions.MaxInboundStreamsPerPeer))]
    [InlineData(nameof(HostOptions.InboundHandshakeTimeout))]
    [InlineData(nameof(HostOptions.StreamIdleTimeout))]
    public void InvalidLimitsAreRefused(string limit)
    {
        HostOptions options = limit switch
        {
            nameof(HostOptions.MaxPendingInboundHandshakesPerAddress) => HostOptions.Default with { MaxPendingInboundHandshakesPerAddress = 0 },
            nameof(HostOptions.MaxConnectionsPerPeer) => HostOptions.Default with { MaxConnectionsPerPeer = 0 },
            nameof(HostOptions.MaxInboundStreamsPerPeer) => HostOptions.Default with { MaxInboundStreamsPerPeer = -1 },
            nameof(HostOptions.InboundHandshakeTimeout) => HostOptions.Default with { InboundHandshakeTimeout = TimeSpan.Zero },
            _ => HostOptions.Default with { StreamIdleTimeout = TimeSpan.FromSeconds(-1) },
        };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new Libp2pHost(DataMesh.Libp2p.Identity.Identity.Generate(), [new DataMesh.Libp2p.Transports.InMemoryTransport(new())], options));
        Assert.Equal(limit, error.ParamName);
    }
}
