using DataMesh.Core.Durability;
using DataMesh.Core.Node;
using DataMesh.Core.Transfers;

namespace DataMesh.Core.Tests.Node;

/// <summary>Sends with the default policy (tolerated_node_failures = 2, no fixed layout) over meshes of every size
/// an admin runs, then loses storage nodes: the file survives exactly the losses the send reported.</summary>
public sealed class DurabilityPolicyTests
{
    private const int FileSize = 200_003; // 4 chunks of 64 KiB: a full stripe or two and a partial one

    private static CancellationToken Timeout(int seconds = 60) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    private static Task<LocalMesh> StartPolicyMeshAsync(int storageNodes) =>
        LocalMesh.StartAsync(storageNodes, dataShards: 0, parityShards: 0, replication: 3);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(6)]
    public async Task Any_tolerated_node_losses_leave_the_file_readable(int storageNodes)
    {
        await using LocalMesh mesh = await StartPolicyMeshAsync(storageNodes);
        string source = mesh.WriteRandomFile("payload.bin", FileSize, seed: storageNodes);
        LayoutChoice expected = LayoutPolicy.Choose(storageNodes, 2);

        SendFileResult sent = await mesh.Client.SendFileAsync(source, cancellationToken: Timeout());

        Assert.Equal((expected.Layout.DataShards, expected.Layout.ParityShards), (sent.DataShards, sent.ParityShards));
        Assert.Equal(expected.ExpectedFailures, sent.ToleratedFailures);
        Assert.Equal(2, sent.TargetFailures);
        Assert.Equal(storageNodes, sent.StoragePeers);
        Assert.Equal(expected.ShortfallMessage, sent.Warning);
        AssertOverheadNearBound(sent, storageNodes);
        AssertOneShardOfAStripePerNode(mesh, await mesh.Client.GetManifestAsync(sent.FileKey, Timeout()), expected.Layout.Copies);

        foreach (int[] lost in Combinations(storageNodes, sent.ToleratedFailures))
        {
            await ReceiveWithoutAsync(mesh, sent, source, lost);
        }
    }

    [Fact]
    public async Task Twelve_nodes_store_ten_plus_two_and_survive_sampled_pairs_of_losses()
    {
        await using LocalMesh mesh = await StartPolicyMeshAsync(12);
        string source = mesh.WriteRandomFile("payload.bin", 700_000, seed: 12);

        SendFileResult sent = await mesh.Client.SendFileAsync(source, cancellationToken: Timeout());

        Assert.Equal((10, 2, 2), (sent.DataShards, sent.ParityShards, sent.ToleratedFailures));
        Assert.Null(sent.Warning);
        AssertOverheadNearBound(sent, 12);
        var random = new Random(12);
        int[][] all = [.. Combinations(12, 2)];
        foreach (int[] lost in all.OrderBy(_ => random.Next()).Take(4))
        {
            await ReceiveWithoutAsync(mesh, sent, source, lost);
        }
    }

    [Fact]
    public async Task Losing_one_node_more_than_reported_breaks_the_file_with_a_clear_error()
    {
        await using LocalMesh mesh = await StartPolicyMeshAsync(6);
        string source = mesh.WriteRandomFile("payload.bin", FileSize, seed: 7);
        SendFileResult sent = await mesh.Client.SendFileAsync(source, cancellationToken: Timeout());
        Assert.Equal(2, sent.ToleratedFailures);

        // Three nodes that leave a manifest copy alive: the data itself, one shard of each stripe per node, is what
        // breaks (a 4+2 stripe cannot lose three shards).
        int[] lost = [.. Enumerable.Range(0, 6).OrderBy(i => mesh.StorageNodes[i].Store.Contains(sent.FileKey.Hash) ? 1 : 0).Take(3)];
        Assert.Contains(lost, i => !mesh.StorageNodes[i].Store.Contains(sent.FileKey.Hash));
        Assert.Contains(Enumerable.Range(0, 6).Except(lost), i => mesh.StorageNodes[i].Store.Contains(sent.FileKey.Hash));
        foreach (int index in lost)
        {
            await mesh.StopStorageNodeAsync(index);
        }

        string destination = Path.Combine(mesh.Root, "broken.bin");
        var error = await Assert.ThrowsAsync<StripeUnavailableException>(() => mesh.Client.ReceiveFileAsync(sent.FileKey, destination, cancellationToken: Timeout()));
        Assert.Contains("cannot be retrieved", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(destination));
    }

    [Fact]
    public async Task One_storage_node_is_an_error_unless_forced()
    {
        await using LocalMesh mesh = await StartPolicyMeshAsync(1);
        string source = mesh.WriteRandomFile("payload.bin", FileSize, seed: 1);

        var error = await Assert.ThrowsAsync<InsufficientStoragePeersException>(() => mesh.Client.SendFileAsync(source, cancellationToken: Timeout()));
        Assert.Equal(1, error.StoragePeers);
        Assert.Contains("Only 1 storage peer is reachable", error.Message, StringComparison.Ordinal);
        Assert.Contains("-Force", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(mesh.Client.Catalog.Query(), _ => true);

        SendFileResult forced = await mesh.Client.SendFileAsync(source, new SendFileOptions { Force = true }, cancellationToken: Timeout());
        Assert.Equal(0, forced.ToleratedFailures);
        Assert.Equal("1 storage peer(s) reachable: this file survives 0 node loss(es); target 2.", forced.Warning);
        await ReceiveWithoutAsync(mesh, forced, source, []);
    }

    [Fact]
    public async Task No_storage_node_is_an_error_even_when_forced()
    {
        await using LocalMesh mesh = await StartPolicyMeshAsync(0);
        string source = mesh.WriteRandomFile("payload.bin", 1000, seed: 1);
        var error = await Assert.ThrowsAsync<InsufficientStoragePeersException>(() =>
            mesh.Client.SendFileAsync(source, new SendFileOptions { Force = true }, cancellationToken: Timeout()));
        Assert.Equal(0, error.StoragePeers);
        Assert.Contains("No storage peer is reachable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_per_send_tolerance_overrides_the_configured_one()
    {
        await using LocalMesh mesh = await StartPolicyMeshAsync(4);
        string source = mesh.WriteRandomFile("payload.bin", FileSize, seed: 3);

        SendFileResult sent = await mesh.Client.SendFileAsync(source, new SendFileOptions { ToleratedFailures = 1 }, cancellationToken: Timeout());

        // The last stripe holds one chunk: its parity is a copy of it, stored on a node of its own all the same.
        Assert.Equal((3, 1, 1, 1), (sent.DataShards, sent.ParityShards, sent.ToleratedFailures, sent.TargetFailures));
        AssertOneShardOfAStripePerNode(mesh, await mesh.Client.GetManifestAsync(sent.FileKey, Timeout()), 1);
        int manifestCopies = mesh.StorageNodes.Count(n => n.Store.Contains(sent.FileKey.Hash));
        Assert.Equal(2, manifestCopies);
        await ReceiveWithoutAsync(mesh, sent, source, [0]);
    }

    [Fact]
    public async Task A_fixed_layout_keeps_replication_factor_copies_of_each_shard()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(6, dataShards: 4, parityShards: 2, replication: 2);
        string source = mesh.WriteRandomFile("payload.bin", FileSize, seed: 5);

        SendFileResult sent = await mesh.Client.SendFileAsync(source, cancellationToken: Timeout());

        Assert.Equal((4, 2, 0), (sent.DataShards, sent.ParityShards, sent.StoragePeers));
        // 12 shard copies on 6 nodes: every stripe loses at most 4 copies, 2 shards, with any 2 nodes.
        Assert.True(sent.ToleratedFailures >= 2, $"tolerates {sent.ToleratedFailures}");
        Assert.InRange(sent.Overhead, 2 * 6.0 / 4 * 0.9, 2 * 6.0 / 4 * 1.5);
    }

    private static void AssertOverheadNearBound(SendFileResult sent, int storageNodes)
    {
        // The MDS bound n/(n-f), plus the encryption tags, the manifest's copies and a partial last stripe of a
        // small file: what was acknowledged, not what was planned.
        double bound = LayoutPolicy.MdsBound(storageNodes, Math.Max(sent.ToleratedFailures, 0));
        Assert.True(sent.StoredBytes > sent.Size, $"{sent.StoredBytes} stored for {sent.Size}");
        Assert.InRange(sent.Overhead, bound, (bound * 1.35) + 0.2);
    }

    private static void AssertOneShardOfAStripePerNode(LocalMesh mesh, Storage.Manifests.Manifest manifest, int copies)
    {
        foreach (StripeDescriptor stripe in StripeDescriptor.FromManifest(manifest))
        {
            // A slot whose shard is the same object as another's (parity of a lone data shard) is one more copy of it.
            var slots = stripe.Shards.Take(stripe.StoredDataShards).Concat(stripe.Shards.Skip(stripe.DataShardCount)).GroupBy(s => s).ToList();
            var holders = slots.Select(g => (Slots: g.Count(), Nodes: mesh.StorageNodes.Where(n => n.Store.Contains(g.Key)).Select(n => n.PeerId).ToList())).ToList();
            Assert.All(holders, h => Assert.Equal(h.Slots * copies, h.Nodes.Count));
            Assert.Equal(holders.Sum(h => h.Nodes.Count), holders.SelectMany(h => h.Nodes).Distinct().Count());
        }
    }

    /// <summary>Stops the <paramref name="lost"/> storage nodes, receives the file bit-exact from the others, then
    /// brings the nodes back for the next combination.</summary>
    private static async Task ReceiveWithoutAsync(LocalMesh mesh, SendFileResult sent, string source, int[] lost)
    {
        foreach (int index in lost)
        {
            await mesh.StopStorageNodeAsync(index);
        }
        string destination = Path.Combine(mesh.Root, $"received-{string.Join('-', lost)}.bin");
        ReceiveFileResult received = await mesh.Client.ReceiveFileAsync(sent.FileKey, destination, cancellationToken: Timeout());
        Assert.Equal(sent.Size, received.Size);
        Assert.True(File.ReadAllBytes(source).AsSpan().SequenceEqual(File.ReadAllBytes(destination)), $"differs without nodes {string.Join(',', lost)}");
        File.Delete(destination);
        foreach (int index in lost)
        {
            await mesh.RestartStorageNodeAsync(index);
        }
    }

    private static IEnumerable<int[]> Combinations(int n, int k)
    {
        if (k == 0)
        {
            yield return [];
            yield break;
        }
        for (int first = 0; first <= n - k; first++)
        {
            foreach (int[] rest in Combinations(n - first - 1, k - 1))
            {
                yield return [first, .. rest.Select(r => r + first + 1)];
            }
        }
    }
}
