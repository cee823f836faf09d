using DataMesh.Core.Exchange;
using DataMesh.Core.Node;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.ChunkStore;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Tests.Node;

/// <summary>Test, Repair and Remove of files on a mesh of real nodes: availability per stripe, Reed-Solomon repair
/// after nodes die, and the owner-signed delete of the chunk protocol.</summary>
public sealed class FileMaintenanceTests
{
    private static CancellationToken Timeout(int seconds = 60) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task Test_WithEveryNodeUp_IsHealthyWithEveryShardOnReplicationFactorPeers()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 6, replication: 2);
        SendFileResult sent = await mesh.Client.SendFileAsync(mesh.WriteRandomFile("a.bin", 300_000, seed: 11), cancellationToken: Timeout());

        FileAvailability health = await mesh.Client.TestFileAsync(sent.FileKey, cancellationToken: Timeout());

        Assert.Equal(FileHealthStatus.Healthy, health.Status);
        Assert.Equal(sent.Stripes, health.Stripes.Count);
        Assert.Equal("a.bin", health.Name);
        Assert.Empty(health.UnreachablePeers);
        Assert.True(health.ManifestHolders.Count >= health.ManifestCopiesWanted);
        Assert.All(health.Stripes, s =>
        {
            Assert.Equal(6, s.AvailableShards);
            Assert.Equal(0, s.UnderReplicatedShards);
            Assert.All(s.Shards.Where(x => x.Stored), x => Assert.True(x.Holders.Count >= 2));
        });
        // 300 000 bytes in 64 KiB chunks: 5 chunks, so the second stripe has three virtual (never stored) data slots.
        Assert.Equal(3, health.Stripes[1].Shards.Count(x => !x.Stored));
    }

    [Fact]
    public async Task KilledNodes_MakeAStripeAtRisk_RepairRebuildsIt_ThenHealthyAndBitExact()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 8, replication: 1);
        string source = mesh.WriteRandomFile("b.bin", 300_000, seed: 12);
        SendFileResult sent = await mesh.Client.SendFileAsync(source, cancellationToken: Timeout());
        Manifest manifest = await mesh.Client.GetManifestAsync(sent.FileKey, Timeout());

        DataMeshNode[] victims = ChooseVictims(mesh, manifest, sent.FileKey);
        foreach (DataMeshNode victim in victims)
        {
            await victim.DisposeAsync();
        }

        FileAvailability damaged = await mesh.Client.TestFileAsync(sent.FileKey, cancellationToken: Timeout());
        Assert.Equal(FileHealthStatus.AtRisk, damaged.Status);
        Assert.Contains(damaged.Stripes, s => s.AvailableShards == 4 && s.Status == FileHealthStatus.AtRisk);
        Assert.DoesNotContain(damaged.Stripes, s => s.Status == FileHealthStatus.Lost);

        FileRepairResult repair = await mesh.Client.RepairFileAsync(sent.FileKey, cancellationToken: Timeout());
        Assert.Empty(repair.Problems);
        Assert.Equal(FileHealthStatus.AtRisk, repair.Before);
        Assert.True(repair.ShardsRebuilt >= 2, $"rebuilt {repair.ShardsRebuilt}");
        Assert.True(repair.CopiesStored >= repair.ShardsRebuilt);
        Assert.Equal(FileHealthStatus.Healthy, repair.After.Status);

        FileAvailability healed = await mesh.Client.TestFileAsync(sent.FileKey, cancellationToken: Timeout());
        Assert.Equal(FileHealthStatus.Healthy, healed.Status);
        Assert.All(healed.Stripes, s => Assert.Equal(6, s.AvailableShards));
        // Rebuilt shards went to peers holding no other shard of their stripe (6 live peers, 6 shards a stripe), so
        // no single peer's loss can cost a stripe two shards.
        DataMeshNode[] alive = [.. mesh.StorageNodes.Except(victims)];
        Assert.All(manifest.Stripes, stripe => Assert.All(alive, node => Assert.InRange(stripe.Shards.Count(node.Store.Contains), 0, 1)));

        // The repaired layout serves the whole file.
        string destination = Path.Combine(mesh.Root, "restored.bin");
        await mesh.Client.ReceiveFileAsync(sent.FileKey, destination, cancellationToken: Timeout());
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(destination));
    }

    /// <summary>Storage nodes whose loss costs some stripe exactly two of its six shards (k = 4: at risk) and no stripe
    /// more, while the manifest keeps a holder. Placement depends on the random peer ids, so it is searched for.</summary>
    private static DataMeshNode[] ChooseVictims(LocalMesh mesh, Manifest manifest, ManifestAddress fileKey)
    {
        List<DataMeshNode> nodes = mesh.StorageNodes;
        for (int a = 0; a < nodes.Count; a++)
        {
            for (int b = a; b < nodes.Count; b++)
            {
                DataMeshNode[] victims = a == b ? [nodes[a]] : [nodes[a], nodes[b]];
                int[] losses = [.. manifest.Stripes.Select((stripe, s) => stripe.Shards.Where((shard, slot) =>
                    ManifestShards.IsStored(manifest, s, slot) && !nodes.Except(victims).Any(n => n.Store.Contains(shard))).Count())];
                bool manifestSurvives = nodes.Except(victims).Any(n => n.Store.Contains(fileKey.Hash));
                if (losses.Max() == 2 && manifestSurvives)
                {
                    return victims;
                }
            }
        }
        throw new InvalidOperationException("No one or two storage nodes hold exactly two shards of a stripe; placement is degenerate.");
    }

    [Fact]
    public async Task Remove_ByTheOwner_DeletesEveryCopyAndTheCatalogEntry()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 6, replication: 2);
        SendFileResult sent = await mesh.Client.SendFileAsync(mesh.WriteRandomFile("c.bin", 200_000, seed: 13), cancellationToken: Timeout());
        Manifest manifest = await mesh.Client.GetManifestAsync(sent.FileKey, Timeout());
        ContentHash[] all = [.. ManifestShards.Stored(manifest).Append(sent.FileKey.Hash)];
        int copies = mesh.StorageNodes.Sum(n => all.Count(n.Store.Contains));

        FileRemovalResult removed = await mesh.Client.RemoveFileAsync(sent.FileKey, Timeout());

        Assert.Empty(removed.Problems);
        Assert.Equal(removed.PeersAsked, removed.PeersConfirmed);
        Assert.Equal(copies, removed.ShardsDeleted);
        Assert.True(removed.RemovedFromCatalog);
        Assert.Null(mesh.Client.Catalog.Find(sent.FileKey.ToString()));
        Assert.All(mesh.StorageNodes, n => Assert.DoesNotContain(all, n.Store.Contains));
        await Assert.ThrowsAsync<FileNotFoundOnMeshException>(() => mesh.Client.TestFileAsync(sent.FileKey, cancellationToken: Timeout()));
    }

    [Fact]
    public async Task Delete_KeepsShardsAnotherPinStillNames()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 6, replication: 1);
        SendFileResult sent = await mesh.Client.SendFileAsync(mesh.WriteRandomFile("d.bin", 200_000, seed: 14), cancellationToken: Timeout());
        Manifest manifest = await mesh.Client.GetManifestAsync(sent.FileKey, Timeout());
        ContentHash kept = ManifestShards.Stored(manifest).First();
        DataMeshNode holder = mesh.StorageNodes.First(n => n.Store.Contains(kept));
        await holder.Store.PinAsync("another-file", [kept], Timeout());

        FileRemovalResult removed = await mesh.Client.RemoveFileAsync(sent.FileKey, Timeout());

        Assert.Empty(removed.Problems);
        Assert.True(holder.Store.Contains(kept));
        Assert.All(mesh.StorageNodes, n => Assert.DoesNotContain(ManifestShards.Stored(manifest).Skip(1), n.Store.Contains));
    }

    [Fact]
    public async Task Delete_SignedByAnotherUser_IsRefusedAndDeletesNothing()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 6, replication: 2);
        SendFileResult sent = await mesh.Client.SendFileAsync(mesh.WriteRandomFile("e.bin", 100_000, seed: 15), cancellationToken: Timeout());
        DataMeshNode holder = mesh.StorageNodes.First(n => n.Store.Contains(sent.FileKey.Hash));
        DataMeshNode intruder = mesh.StorageNodes.First(n => n != holder);
        byte[] encoded;
        using (ShardBuffer? stored = await holder.Store.TryGetAsync(sent.FileKey.Hash, Timeout()))
        {
            encoded = stored!.Memory.ToArray();
        }

        var client = new ChunkExchangeClient(intruder.Host);
        byte[] forged = DeleteAuthorization.Sign(intruder.User, sent.FileKey);
        DeleteRefusedException refused = await Assert.ThrowsAsync<DeleteRefusedException>(
            () => client.DeleteAsync(holder.PeerId, sent.FileKey, encoded, forged, Timeout()));
        Assert.Equal(ChunkResponseStatus.Forbidden, refused.Status);

        byte[] wrongManifest = [.. encoded];
        wrongManifest[^1] ^= 1;
        DeleteRefusedException malformed = await Assert.ThrowsAsync<DeleteRefusedException>(
            () => client.DeleteAsync(holder.PeerId, sent.FileKey, wrongManifest, DeleteAuthorization.Sign(mesh.Client.User, sent.FileKey), Timeout()));
        Assert.Equal(ChunkResponseStatus.BadRequest, malformed.Status);

        await Assert.ThrowsAsync<NotFileOwnerException>(() => intruder.RemoveFileAsync(sent.FileKey, Timeout()));
        Assert.True(holder.Store.Contains(sent.FileKey.Hash));
        Assert.Equal(FileHealthStatus.Healthy, (await mesh.Client.TestFileAsync(sent.FileKey, cancellationToken: Timeout())).Status);
    }

    [Fact]
    public async Task UnknownRequestType_IsAnsweredBadRequest_SoOlderPeersRefuseADeleteCleanly()
    {
        // What a peer without Delete does with type 4 is what every peer does with a type it does not know.
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 1, replication: 1);
        await using var stream = await mesh.Client.Host.OpenStreamAsync(mesh.StorageNodes[0].PeerId, [ChunkExchangeProtocol.ProtocolId], Timeout());
        byte[] header = new byte[ChunkExchangeProtocol.RequestHeaderSize];
        header[0] = 0x7F;
        await stream.Output.WriteAsync(header, Timeout());

        ChunkResponseHeader response = await ChunkExchangeCodec.ReadResponseAsync(stream.Input, maxPayload: 0, Timeout());

        Assert.Equal(ChunkResponseStatus.BadRequest, response.Status);
        Assert.StartsWith("Unknown request type 127", response.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TextApi_MapsBadKeysAndMissingFilesToErrorKinds()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 2, replication: 1);
        NodeRequestException bad = await Assert.ThrowsAsync<NodeRequestException>(() => mesh.Client.TestFileAsync("not-a-key", 1, Timeout()));
        Assert.Equal(NodeErrorKind.InvalidFileKey, bad.Kind);

        string missing = new ManifestAddress(ContentHash.Compute("nothing"u8)).ToString();
        NodeRequestException absent = await Assert.ThrowsAsync<NodeRequestException>(() => mesh.Client.RemoveFileAsync(missing, Timeout()));
        Assert.Equal(NodeErrorKind.FileNotOnMesh, absent.Kind);
    }
}
