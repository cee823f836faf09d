using System.Net;
using System.Net.Sockets;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Tests.TestSupport;

namespace DataMesh.Libp2p.Tests.Multiformats;

public class MultiaddrTests
{
    private const string QmPeer = "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC";
    private const string QmPeerHex = "a503221220d52ebb89d85b02a284948203a62ff28389c57c9f42beec4ec20db76a68911c0b";

    // Text/binary vectors from the go-multiaddr and rust-multiaddr test suites.
    [Theory]
    [InlineData("/ip4/1.2.3.4", "0401020304")]
    [InlineData("/ip4/0.0.0.0", "0400000000")]
    [InlineData("/ip6/::1", "2900000000000000000000000000000001")]
    [InlineData("/ip6/2601:9:4f81:9700:803e:ca65:66e8:c21", "29260100094f819700803eca6566e80c21")]
    [InlineData("/udp/0", "91020000")]
    [InlineData("/tcp/0", "060000")]
    [InlineData("/sctp/1234", "840104d2")]
    [InlineData("/udp/65535", "9102ffff")]
    [InlineData("/tcp/65535", "06ffff")]
    [InlineData("/p2p/" + QmPeer, QmPeerHex)]
    [InlineData("/tcp/1234/http", "0604d2e003")]
    [InlineData("/tcp/1234/tls/http", "0604d2c003e003")]
    [InlineData("/tcp/1234/https", "0604d2bb03")]
    [InlineData("/ip4/127.0.0.1/udp/1234", "047f000001910204d2")]
    [InlineData("/ip4/127.0.0.1/tcp/4321", "047f0000010610e1")]
    [InlineData("/ip4/127.0.0.1/udp/1234/ip4/127.0.0.1/tcp/4321", "047f000001910204d2047f0000010610e1")]
    [InlineData("/ip4/127.0.0.1/tcp/1234/ws", "047f0000010604d2dd03")]
    [InlineData("/ip4/127.0.0.1/p2p/" + QmPeer + "/tcp/1234", "047f000001" + QmPeerHex + "0604d2")]
    [InlineData("/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095", "29200108a07ac542013ac986fffe317095")]
    [InlineData("/dns4/example.com/tcp/443", "360b6578616d706c652e636f6d0601bb")]
    public void Round_trips_spec_vectors(string text, string hex)
    {
        var parsed = Multiaddr.Parse(text);
        Assert.Equal(hex, Hex.Of(parsed.ToBytes()));
        Assert.Equal(text, parsed.ToString());
        var decoded = Multiaddr.FromBytes(Hex.Bytes(hex));
        Assert.Equal(text, decoded.ToString());
        Assert.Equal(parsed, decoded);
        Assert.Equal(parsed.GetHashCode(), decoded.GetHashCode());
    }

    [Theory]
    [InlineData("/ipfs/" + QmPeer, "/p2p/" + QmPeer)]
    [InlineData("/ip4/127.0.0.1/udp/1234/", "/ip4/127.0.0.1/udp/1234")]
    [InlineData("/ip6/0:0:0:0:0:0:0:1/tcp/1", "/ip6/::1/tcp/1")]
    [InlineData("/p2p/bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe", "/p2p/QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N")]
    public void Normalizes_aliases_and_equivalent_forms(string input, string canonical) =>
        Assert.Equal(canonical, Multiaddr.Parse(input).ToString());

    [Fact]
    public void Memory_and_valueless_protocols_round_trip()
    {
        var address = Multiaddr.Parse("/memory/18446744073709551615/quic-v1/webtransport/p2p-circuit");
        Assert.Equal(address, Multiaddr.FromBytes(address.ToBytes()));
        Assert.Equal(777, address.Components[0].Code);
        Assert.Equal("18446744073709551615", address.Components[0].Value);
        Assert.Equal("ffffffffffffffff", Hex.Of(address.Components[0].ValueBytes.Span));
    }

    // Failures from go-multiaddr's "fails to construct" cases (for the protocols we support).
    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("ip4/1.2.3.4")]
    [InlineData("/ip4")]
    [InlineData("/ip4/::1")]
    [InlineData("/ip4/1.2.3")]
    [InlineData("/ip4/1.2.3.256")]
    [InlineData("/ip4/01.2.3.4")]
    [InlineData("/ip4/fdpsofodsajfdoisa")]
    [InlineData("/ip6/1.2.3.4")]
    [InlineData("/ip6/fe80::1%eth0")]
    [InlineData("/udp")]
    [InlineData("/tcp")]
    [InlineData("/tcp/65536")]
    [InlineData("/tcp/-1")]
    [InlineData("/tcp/+80")]
    [InlineData("/udp/1234/sctp")]
    [InlineData("/p2p")]
    [InlineData("/p2p/tcp")]
    [InlineData("/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNK")]
    [InlineData("/dns4")]
    [InlineData("/memory/-1")]
    [InlineData("/unknownproto/1")]
    [InlineData("/ip4/1.2.3.4//tcp/1")]
    public void Rejects_invalid_text(string text)
    {
        Assert.Throws<MultiaddrFormatException>(() => Multiaddr.Parse(text));
        Assert.False(Multiaddr.TryParse(text, out _));
    }

    [Fact]
    public void Error_names_the_unknown_protocol()
    {
        var ex = Assert.Throws<MultiaddrFormatException>(() => Multiaddr.Parse("/ip4/1.2.3.4/quux/9"));
        Assert.Contains("quux", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<MultiaddrFormatException>(() => Multiaddr.Parse("/ip4/1.2.3.4/tcp/99999"));
        Assert.Contains("/tcp", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("04010203")]           // ip4 truncated
    [InlineData("0604")]               // tcp truncated
    [InlineData("a50322122000")]       // p2p value truncated
    [InlineData("a503")]               // p2p missing length
    [InlineData("ff7f")]               // unknown code
    [InlineData("80")]                 // truncated varint
    [InlineData("3600")]               // empty dns name
    [InlineData("36012f")]             // dns name containing '/'
    [InlineData("a503021201")]         // p2p value: sha2-256 multihash with a 1-byte digest
    [InlineData("")]
    public void Rejects_invalid_binary(string hex) =>
        Assert.Throws<MultiaddrFormatException>(() => Multiaddr.FromBytes(Hex.Bytes(hex)));

    [Fact]
    public void Peer_id_helpers_work_on_the_last_p2p_component()
    {
        using var identity = Libp2p.Identity.Identity.Generate();
        var tcp = Multiaddr.Parse("/ip4/10.0.0.1/tcp/4001");
        Assert.Null(tcp.PeerId);
        var withPeer = tcp.WithPeerId(identity.PeerId);
        Assert.Equal($"/ip4/10.0.0.1/tcp/4001/p2p/{identity.PeerId}", withPeer.ToString());
        Assert.Equal(identity.PeerId, withPeer.PeerId);
        Assert.Equal(tcp, withPeer.WithoutPeerId());
        Assert.Same(tcp, tcp.WithoutPeerId());
        Assert.Equal(withPeer, withPeer.WithPeerId(identity.PeerId));
        Assert.True(Multiaddr.Parse("/p2p/" + QmPeer).WithoutPeerId().IsEmpty);
    }

    [Fact]
    public void Encapsulate_concatenates()
    {
        var outer = Multiaddr.Parse("/ip4/127.0.0.1/tcp/4001");
        var inner = Multiaddr.Parse("/p2p/" + QmPeer);
        var joined = outer.Encapsulate(inner);
        Assert.Equal("/ip4/127.0.0.1/tcp/4001/p2p/" + QmPeer, joined.ToString());
        Assert.Equal(joined, Multiaddr.FromBytes(joined.ToBytes()));
        Assert.Equal(outer, outer.Encapsulate(Multiaddr.Empty));
    }

    [Fact]
    public void Converts_to_and_from_endpoints()
    {
        var v4 = Multiaddr.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("192.168.1.2"), 4001));
        Assert.Equal("/ip4/192.168.1.2/tcp/4001", v4.ToString());
        Assert.True(v4.TryGetTcpEndPoint(out var endPoint));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.168.1.2"), 4001), endPoint);

        var mapped = Multiaddr.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("::ffff:10.1.2.3"), 1));
        Assert.Equal("/ip4/10.1.2.3/tcp/1", mapped.ToString());

        var v6 = Multiaddr.FromIPEndPoint(new IPEndPoint(IPAddress.IPv6Loopback, 65535));
        Assert.Equal("/ip6/::1/tcp/65535", v6.ToString());

        Assert.True(Multiaddr.Parse($"/dns4/example.com/tcp/443/p2p/{QmPeer}").TryGetTcpEndPoint(out endPoint));
        var dns = Assert.IsType<DnsEndPoint>(endPoint);
        Assert.Equal(("example.com", 443, AddressFamily.InterNetwork), (dns.Host, dns.Port, dns.AddressFamily));
        Assert.True(Multiaddr.Parse("/dns/example.com/tcp/1").TryGetTcpEndPoint(out endPoint));
        Assert.Equal(AddressFamily.Unspecified, endPoint!.AddressFamily);

        Assert.False(Multiaddr.Parse("/ip4/1.2.3.4/udp/1").TryGetTcpEndPoint(out _));
        Assert.False(Multiaddr.Parse("/ip4/1.2.3.4/tcp/1/ws").TryGetTcpEndPoint(out _));
        Assert.False(Multiaddr.Parse("/dnsaddr/example.com/tcp/1").TryGetTcpEndPoint(out _));
        Assert.False(Multiaddr.Parse("/memory/5").TryGetTcpEndPoint(out _));
    }

    [Fact]
    public void From_components_validates_hand_made_values()
    {
        var good = new MultiaddrComponent(MultiaddrProtocol.Tcp, "bogus text", new byte[] { 0x0f, 0xa1 });
        Assert.Equal("/tcp/4001", Multiaddr.FromComponents([good]).ToString());
        var shortIp = new MultiaddrComponent(MultiaddrProtocol.Ip4, "1.2.3", new byte[] { 1, 2, 3 });
        Assert.Throws<MultiaddrFormatException>(() => Multiaddr.FromComponents([shortIp]));
        var slash = new MultiaddrComponent(MultiaddrProtocol.Dns, "a/b", "a/b"u8.ToArray());
        Assert.Throws<MultiaddrFormatException>(() => Multiaddr.FromComponents([slash]));
    }

    [Fact]
    public void Components_expose_names_codes_and_values()
    {
        var address = Multiaddr.Parse("/ip6/::1/tcp/80");
        Assert.Collection(address.Components,
            c => Assert.Equal(("ip6", 41, "::1"), (c.Name, c.Code, c.Value)),
            c => Assert.Equal(("tcp", 6, "80"), (c.Name, c.Code, c.Value)));
    }
}
