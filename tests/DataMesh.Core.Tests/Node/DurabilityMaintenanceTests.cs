using DataMesh.Core.Configuration;
using DataMesh.Core.Durability;
using DataMesh.Core.Exchange;
using DataMesh.Core.Node;
using DataMesh.Core.Node.Files;
using DataMesh.Core.Tests.Support;
using DataMesh.Storage.Manifests;
using Microsoft.Extensions.Time.Testing;

namespace DataMesh.Core.Tests.Node;

/// <summary>Durability kept by policy: Test-DataMeshFile's tolerance against the real one on a mesh that lost nodes,
/// Repair back to the target with shards on nodes holding none of their stripe, and the scheduled check that heals a
/// service node's files without anyone asking.</summary>
public sealed class DurabilityMaintenanceTests
{
    private static CancellationToken Timeout(int seconds = 60) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task Test_ReportsTheToleranceTheSurvivorsReallyHave_AfterNodesAreKilled()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 7, replication: 1);
        SendFileResult sent = await mesh.Client.SendFileAsync(mesh.WriteRandomFile("t.bin", 300_000, seed: 21), cancellationToken: Timeout());
        Manifest manifest = await mesh.Client.GetManifestAsync(sent.FileKey, Timeout());

        FileAvailability fresh = await mesh.Client.TestFileAsync(sent.FileKey, cancellationToken: Timeout());
        Assert.Equal((2, 2, 7, FileHealthStatus.Healthy), (fresh.ToleratedFailures, fresh.TargetFailures, fresh.StoragePeers, fresh.Status));
        Assert.Equal(RealTolerance(mesh.StorageNodes, manifest, sent.FileKey), fresh.ToleratedFailures);

        // The two nodes holding the most shards: the file loses the most a pair of nodes can take.
        DataMeshNode[] victims = [.. mesh.StorageNodes.OrderByDescending(n => ManifestShards.Stored(manifest).Count(n.Store.Contains)).Take(2)];
        foreach (DataMeshNode victim in victims)
        {
            await victim.DisposeAsync();
        }
        DataMeshNode[] alive = [.. mesh.StorageNodes.Except(victims)];

        FileAvailability damaged = await mesh.Client.TestFileAsync(sent.FileKey, cancellationToken: Timeout());
        int real = RealTolerance(alive, manifest, sent.FileKey);
        Assert.InRange(real, 0, 1);
        Assert.Equal(real, damaged.ToleratedFailures);
        // Five live nodes hold at most five of a 4+2 stripe's six shards on distinct nodes: one loss at most.
        Assert.Equal(1, damaged.TargetFailures);
        Assert.Equal(5, damaged.StoragePeers);
        Assert.Equal(real == 0 ? FileHealthStatus.AtRisk : FileHealthStatus.Degraded, damaged.Status);
        Assert.All(damaged.Stripes, s => Assert.Equal(s.ToleratedFailures, StripeTolerance(alive, manifest, s.Index)));
    }

    [Theory]
    [InlineData(3)] // n = f + 1: replication, one slot per node
    [InlineData(6)] // 4+2, one shard of a stripe per node
    public async Task A_file_the_policy_sent_is_Healthy_at_its_target_and_Test_agrees_with_Send(int storageNodes)
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes, dataShards: 0, parityShards: 0, replication: 1);
        SendFileResult sent = await mesh.Client.SendFileAsync(mesh.WriteRandomFile("p.bin", 300_000, seed: 23), cancellationToken: Timeout());
        Manifest manifest = await mesh.Client.GetManifestAsync(sent.FileKey, Timeout());

        FileAvailability test = await mesh.Client.TestFileAsync(sent.FileKey, cancellationToken: Timeout());

        Assert.Equal(2, sent.ToleratedFailures);
        Assert.Equal((2, 2, FileHealthStatus.Healthy), (test.ToleratedFailures, test.TargetFailures, test.Status));
        Assert.Equal(RealTolerance(mesh.StorageNodes, manifest, sent.FileKey), test.ToleratedFailures);
    }

    [Fact]
    public async Task Repair_AfterANodeDies_RestoresTheTarget_WithShardsOnNodesHoldingNoneOfTheirStripe()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 7, replication: 1);
        string source = mesh.WriteRandomFile("r.bin", 300_000, seed: 22);
        SendFileResult sent = await mesh.Client.SendFileAsync(source, cancellationToken: Timeout());
        Manifest manifest = await mesh.Client.GetManifestAsync(sent.FileKey, Timeout());
        DataMeshNode victim = mesh.StorageNodes.OrderByDescending(n => ManifestShards.Stored(manifest).Count(n.Store.Contains)).First();
        await victim.DisposeAsync();
        DataMeshNode[] alive = [.. mesh.StorageNodes.Where(n => n != victim)];
        Assert.Equal(1, RealTolerance(alive, manifest, sent.FileKey));

        FileRepairResult repair = await mesh.Client.RepairFileAsync(sent.FileKey, cancellationToken: Timeout());

        Assert.Empty(repair.Problems);
        Assert.Equal(1, repair.ToleratedFailuresBefore);
        Assert.Equal((2, 2, FileHealthStatus.Healthy), (repair.After.ToleratedFailures, repair.After.TargetFailures, repair.After.Status));
        Assert.True(repair.ShardsRebuilt >= 1);
        // The happiness the stores really have: every stripe survives the target, one shard per node.
        Assert.Equal(2, RealTolerance(alive, manifest, sent.FileKey));
        Assert.All(Enumerable.Range(0, manifest.Stripes.Count), s => Assert.Equal(2, StripeTolerance(alive, manifest, s)));
        Assert.All(manifest.Stripes, stripe => Assert.All(alive, node => Assert.InRange(stripe.Shards.Count(node.Store.Contains), 0, 1)));

        string destination = Path.Combine(mesh.Root, "restored.bin");
        await mesh.Client.ReceiveFileAsync(sent.FileKey, destination, cancellationToken: Timeout());
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(destination));
    }

    [Fact]
    public async Task Repair_OfAReplicatedLayout_CopiesTheOneShardToNodesOfItsOwn()
    {
        // k = 1: every coded slot is the same bytes (one stored object), so the stripe survives (live holders - 1) losses.
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 4, dataShards: 1, parityShards: 2, replication: 1);
        SendFileResult sent = await mesh.Client.SendFileAsync(mesh.WriteRandomFile("k1.bin", 100_000, seed: 23), cancellationToken: Timeout());
        Manifest manifest = await mesh.Client.GetManifestAsync(sent.FileKey, Timeout());
        int HoldersOf(ManifestStripe stripe, IEnumerable<DataMeshNode> nodes) => nodes.Count(n => n.Store.Contains(stripe.Shards[0]));

        FileAvailability fresh = await mesh.Client.TestFileAsync(sent.FileKey, cancellationToken: Timeout());
        Assert.Equal(manifest.Stripes.Min(s => HoldersOf(s, mesh.StorageNodes)) - 1, fresh.ToleratedFailures);
        FileRepairResult first = await mesh.Client.RepairFileAsync(sent.FileKey, cancellationToken: Timeout());
        Assert.Empty(first.Problems);
        Assert.Equal((2, 2, FileHealthStatus.Healthy), (first.After.ToleratedFailures, first.After.TargetFailures, first.After.Status));

        DataMeshNode victim = mesh.StorageNodes.First(n => n.Store.Contains(manifest.Stripes[0].Shards[0]));
        await victim.DisposeAsync();
        DataMeshNode[] alive = [.. mesh.StorageNodes.Where(n => n != victim)];
        FileAvailability damaged = await mesh.Client.TestFileAsync(sent.FileKey, cancellationToken: Timeout());
        Assert.Equal(RealTolerance(alive, manifest, sent.FileKey), damaged.ToleratedFailures);
        Assert.Equal(2, damaged.TargetFailures);

        FileRepairResult repair = await mesh.Client.RepairFileAsync(sent.FileKey, cancellationToken: Timeout());

        Assert.Empty(repair.Problems);
        Assert.Equal((2, 2, FileHealthStatus.Healthy), (repair.After.ToleratedFailures, repair.After.TargetFailures, repair.After.Status));
        Assert.All(manifest.Stripes, stripe => Assert.Equal(3, HoldersOf(stripe, alive)));
        Assert.Equal(2, RealTolerance(alive, manifest, sent.FileKey));
    }

    [Fact]
    public async Task ScheduledCheck_RepairsACatalogFile_AfterANodeDies_AndLogsIt()
    {
        // Eight storage nodes: the owner places on the other seven (never on itself), six of them left after the loss.
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 8, replication: 1);
        DataMeshNode owner = mesh.StorageNodes[0]; // a service node's catalog lists the files it sent
        SendFileResult sent = await owner.SendFileAsync(mesh.WriteRandomFile("s.bin", 300_000, seed: 24), cancellationToken: Timeout());
        Manifest manifest = await owner.GetManifestAsync(sent.FileKey, Timeout());
        var clock = new FakeTimeProvider();
        var log = new ListLogger();
        await using var schedule = new ScheduledRepair(new MaintenanceOptions { CheckIntervalSecs = 600 }, owner.Catalog, owner.Maintenance, clock, log);
        schedule.Start();

        DataMeshNode victim = mesh.StorageNodes.Skip(1).OrderByDescending(n => ManifestShards.Stored(manifest).Count(n.Store.Contains)).First();
        await victim.DisposeAsync();
        clock.Advance(TimeSpan.FromSeconds(599));
        Assert.Equal(0, schedule.Runs);
        clock.Advance(TimeSpan.FromSeconds(1));
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (schedule.Runs == 0)
        {
            await Task.Delay(20, patience.Token);
        }

        Assert.Equal(new MaintenanceRun(FilesChecked: 1, BelowTarget: 1, Repaired: 1, Failed: 0), schedule.LastRun);
        Assert.True(log.Lines.Any(l => l.Contains($"Scheduled check: {sent.FileKey} (s.bin) survives 1 node loss(es), target 2", StringComparison.Ordinal)), string.Join(Environment.NewLine, log.Lines));
        Assert.Equal(FileHealthStatus.Healthy, (await owner.TestFileAsync(sent.FileKey, cancellationToken: Timeout())).Status);
        DataMeshNode[] alive = [.. mesh.StorageNodes.Where(n => n != victim)];
        Assert.Equal(2, RealTolerance(alive.Skip(1).ToArray(), manifest, sent.FileKey));
    }

    [Fact]
    public async Task OnlyServiceNodesWithMaintenanceEnabled_RunTheSchedule()
    {
        string root = Path.Combine(Path.GetTempPath(), "dm-sched-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            DataMeshOptions Options(string name, bool enabled) => new()
            {
                Network = new NetworkOptions { ListenAddresses = ["/memory/0"] },
                Storage = new StorageOptions { DataDir = Path.Combine(root, name) },
                Maintenance = new MaintenanceOptions { Enabled = enabled },
            };
            var network = new Libp2p.Transports.InMemoryNetwork();
            await using (DataMeshNode service = await DataMeshNode.StartAsync(Options("a", true), new NodeStartOptions { InMemoryNetwork = network, ScheduledMaintenance = true }))
            {
                Assert.NotNull(service.ScheduledRepair);
            }
            await using (DataMeshNode session = await DataMeshNode.StartAsync(Options("b", true), new NodeStartOptions { InMemoryNetwork = network }))
            {
                Assert.Null(session.ScheduledRepair);
            }
            await using (DataMeshNode disabled = await DataMeshNode.StartAsync(Options("c", false), new NodeStartOptions { InMemoryNetwork = network, ScheduledMaintenance = true }))
            {
                Assert.Null(disabled.ScheduledRepair);
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The most node losses the file survives, by brute force: the smallest set of <paramref name="nodes"/>
    /// whose loss leaves a stripe fewer than k readable slots or no manifest copy, minus one.</summary>
    private static int RealTolerance(IReadOnlyList<DataMeshNode> nodes, Manifest manifest, ManifestAddress fileKey)
    {
        int smallestBreak = nodes.Count + 1;
        for (int mask = 0; mask < 1 << nodes.Count; mask++)
        {
            DataMeshNode[] left = [.. nodes.Where((_, i) => (mask & (1 << i)) == 0)];
            bool readable = left.Any(n => n.Store.Contains(fileKey.Hash)) && Enumerable.Range(0, manifest.Stripes.Count).All(s =>
                manifest.Stripes[s].Shards.Where((shard, slot) => !ManifestShards.IsStored(manifest, s, slot) || left.Any(n => n.Store.Contains(shard))).Count()
                >= manifest.DataShards);
            if (!readable)
            {
                smallestBreak = Math.Min(smallestBreak, System.Numerics.BitOperations.PopCount((uint)mask));
            }
        }
        return smallestBreak - 1;
    }

    /// <summary>A stripe's tolerance from the stores themselves (servers of happiness over the given nodes).</summary>
    private static int StripeTolerance(IReadOnlyList<DataMeshNode> nodes, Manifest manifest, int stripe)
    {
        var shards = manifest.Stripes[stripe].Shards;
        IReadOnlyCollection<DataMeshNode>[] holders = [.. Enumerable.Range(0, shards.Length).Where(slot => ManifestShards.IsStored(manifest, stripe, slot))
            .Select(slot => (IReadOnlyCollection<DataMeshNode>)[.. nodes.Where(n => n.Store.Contains(shards[slot]))])];
        int virtualSlots = shards.Length - holders.Length;
        return PlacementHappiness.ToleratedFailures(holders, manifest.DataShards - virtualSlots);
    }
}
