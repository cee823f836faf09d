using System.Text;
using DataMesh.Libp2p.Kad;
using Microsoft.Extensions.Time.Testing;

namespace DataMesh.Libp2p.Tests.Kad;

public sealed class KadDhtMaintenanceTests
{
    [Fact]
    public async Task OriginatorRepublishesOnScheduleAndOthersLetCopiesExpire()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        CancellationToken ct = limit.Token;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        KadOptions options = KadTestNetwork.DefaultOptions with { MaintenanceInterval = TimeSpan.FromDays(30) };
        await using var net = new KadTestNetwork();
        for (int i = 0; i < 5; i++)
        {
            await net.AddNodeAsync(options, time: time);
        }
        foreach (var (_, dht) in net.Nodes.Skip(1))
        {
            await dht.BootstrapAsync([KadTestNetwork.AddressOf(net.Nodes[0].Host)], ct);
        }
        var (_, origin) = net.Nodes[1];
        var (_, holder) = net.Nodes[2];
        byte[] key = Encoding.UTF8.GetBytes("/t/republished");
        Assert.Equal(4, await origin.PutValueAsync(key, "v"u8.ToArray(), ct));

        // 11 h later nothing is due; at 12 h the originator stores the record again, repairing a holder that lost it.
        time.Advance(TimeSpan.FromHours(11));
        Assert.Empty(origin.Records.DueForRepublish(options.RecordRepublishInterval));
        time.Advance(TimeSpan.FromHours(1));
        Assert.True(holder.Records.Remove(key));
        await origin.RunMaintenanceAsync(ct);
        Assert.NotNull(holder.Records.Get(key));
        Assert.Empty(origin.Records.DueForRepublish(options.RecordRepublishInterval));

        // Without the originator's republishing, a copy lives 36 h; the originator's own copy never expires.
        time.Advance(TimeSpan.FromHours(36));
        await holder.RunMaintenanceAsync(ct);
        Assert.Null(holder.Records.Get(key));
        Assert.Equal(0, holder.Records.Count);
        Assert.NotNull(origin.Records.Get(key));
    }
}
