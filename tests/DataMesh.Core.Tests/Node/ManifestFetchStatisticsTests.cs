using DataMesh.Core.Node;
using DataMesh.Core.Peers;

namespace DataMesh.Core.Tests.Node;

/// <summary>Fetching a manifest asks candidate holders in ranked order; one that honestly answers "not here" is not a
/// failing peer (the same rule as for shards), or every transfer would rank healthy peers down.</summary>
public sealed class ManifestFetchStatisticsTests
{
    [Fact]
    public async Task A_candidate_without_the_manifest_is_not_charged_a_failure()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 5);
        string source = mesh.WriteRandomFile("payload.bin", 300_000, seed: 3);
        SendFileResult sent = await mesh.Client.SendFileAsync(source, new SendFileOptions(), cancellationToken: timeout.Token);

        DataMeshNode[] holders = [.. mesh.StorageNodes.Where(n => n.Store.Contains(sent.FileKey.Hash))];
        DataMeshNode[] others = [.. mesh.StorageNodes.Except(holders)];
        Assert.NotEmpty(holders);
        Assert.NotEmpty(others);

        // Rank the peers without the manifest first, so the fetch has to ask them before a holder.
        PeerStatistics statistics = mesh.Client.PeerStatistics;
        for (int i = 0; i < 50; i++)
        {
            foreach (DataMeshNode other in others)
            {
                statistics.RecordSuccess(other.PeerId, TimeSpan.FromMilliseconds(1), 0, 0);
            }
            foreach (DataMeshNode holder in holders)
            {
                statistics.RecordSuccess(holder.PeerId, TimeSpan.FromSeconds(2), 0, 0);
            }
        }

        var manifest = await mesh.Client.GetManifestAsync(sent.FileKey, timeout.Token);

        Assert.Equal(300_000, manifest.PlaintextSize);
        foreach (DataMeshNode other in others)
        {
            PeerStatsSnapshot snapshot = Snapshot(statistics, other);
            Assert.Equal(0, snapshot.Failures);
            Assert.True(snapshot.IsResponsive);
        }
    }

    [Fact]
    public async Task A_manifest_fetch_lands_in_the_peer_statistics_like_a_shard_fetch()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 3);
        string source = mesh.WriteRandomFile("payload.bin", 50_000, seed: 4);
        SendFileResult sent = await mesh.Client.SendFileAsync(source, new SendFileOptions(), cancellationToken: timeout.Token);
        PeerStatistics statistics = mesh.Client.PeerStatistics;
        Assert.Equal(0, statistics.GetSnapshots().Sum(s => s.BytesReceived)); // the send only stored

        await mesh.Client.GetManifestAsync(sent.FileKey, timeout.Token);

        PeerStatsSnapshot[] served = [.. statistics.GetSnapshots().Where(s => s.BytesReceived > 0)];
        Assert.NotEmpty(served);
        Assert.All(served, s => Assert.Contains(mesh.StorageNodes, n => n.PeerId == s.PeerId && n.Store.Contains(sent.FileKey.Hash)));
    }

    private static PeerStatsSnapshot Snapshot(PeerStatistics statistics, DataMeshNode node) =>
        statistics.TryGetSnapshot(node.PeerId, out PeerStatsSnapshot? snapshot) ? snapshot : throw new InvalidOperationException("no statistics");
}
