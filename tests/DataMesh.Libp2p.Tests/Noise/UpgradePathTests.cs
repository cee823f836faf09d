using System.Buffers;
using DataMesh.Libp2p.Multistream;
using DataMesh.Libp2p.Noise;
using DataMesh.Libp2p.Tests.TestSupport;

namespace DataMesh.Libp2p.Tests.Noise;

/// <summary>The connection upgrade sequence a host runs: multistream → Noise → multistream inside Noise.</summary>
public class UpgradePathTests
{
    [Fact]
    public async Task Negotiates_noise_then_a_muxer_inside_the_encrypted_channel()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var alice = Libp2p.Identity.Identity.Generate();
        using var bob = Libp2p.Identity.Identity.Generate();
        var raw = new DuplexPipePair();

        async Task<(string Security, string Muxer, NoiseChannel Channel)> ListenerAsync()
        {
            var security = await MultistreamSelect.ListenAsync(raw.B, [NoiseUpgrader.ProtocolId], cts.Token);
            var channel = await NoiseUpgrader.SecureInboundAsync(raw.B, bob, cts.Token);
            var muxer = await MultistreamSelect.ListenAsync(channel, ["/yamux/1.0.0"], cts.Token);
            return (security, muxer, channel);
        }

        var listener = ListenerAsync();
        var security = await MultistreamSelect.SelectAsync(raw.A, ["/tls/1.0.0", NoiseUpgrader.ProtocolId], cts.Token);
        await using var client = await NoiseUpgrader.SecureOutboundAsync(raw.A, alice, bob.PeerId, cts.Token);
        var muxer = await MultistreamSelect.SelectAsync(client, ["/yamux/1.0.0"], cts.Token);
        await client.Output.WriteAsync("after upgrade"u8.ToArray(), cts.Token);

        var (serverSecurity, serverMuxer, server) = await listener;
        await using (server)
        {
            Assert.Equal((NoiseUpgrader.ProtocolId, NoiseUpgrader.ProtocolId), (security, serverSecurity));
            Assert.Equal(("/yamux/1.0.0", "/yamux/1.0.0"), (muxer, serverMuxer));
            Assert.Equal(alice.PeerId, server.RemotePeer);
            var result = await server.Input.ReadAtLeastAsync(13, cts.Token);
            Assert.Equal("after upgrade"u8.ToArray(), result.Buffer.Slice(0, 13).ToArray());
            server.Input.AdvanceTo(result.Buffer.GetPosition(13));
        }
    }
}
