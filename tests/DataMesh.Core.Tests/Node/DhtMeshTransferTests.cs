using DataMesh.Core.Dht;
using DataMesh.Core.Node;
using DataMesh.Libp2p.Kad;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Tests.Node;

/// <summary>Send and receive where the client is connected to only some storage nodes: placement by DHT lookups,
/// holders from provider records, the manifest from its DHT record.</summary>
public sealed class DhtMeshTransferTests
{
    private static CancellationToken Timeout(int seconds = 60) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task TwelveStorageNodes_ClientsBootstrappedFromOne_SendAndReceiveBitExact_HoldersAnnounced()
    {
        await using LocalMesh mesh = await LocalMesh.StartJoinedAsync(12, Timeout());
        DataMeshNode sender = await mesh.AddClientAsync("sender", mesh.StorageNodes[0], Timeout());
        DataMeshNode receiver = await mesh.AddClientAsync("receiver", mesh.StorageNodes[11], Timeout());
        Assert.True(sender.Dht.RoutingTable.Count >= 4, $"routing table holds {sender.Dht.RoutingTable.Count} peers");
        Assert.Equal(KadMode.Client, sender.Dht.Mode);
        Assert.Equal(KadMode.Server, mesh.StorageNodes[0].Dht.Mode);
        string source = mesh.WriteRandomFile("payload.bin", 600_001, seed: 7);

        int known = sender.Host.Connections.Select(c => c.RemotePeer).Distinct().Count();
        Assert.True(known < 12, $"after bootstrapping the sender is connected to {known} of 12 storage nodes; placement must find the others");

        SendFileResult sent = await sender.SendFileAsync(source, new SendFileOptions { Recipients = [receiver.User.PublicIdentity] }, cancellationToken: Timeout());

        // The receiver knows only what the DHT tells it: where the shards are by XOR distance and provider records.
        string destination = Path.Combine(mesh.Root, "restored.bin");
        ReceiveFileResult received = await receiver.ReceiveFileAsync(sent.FileKey, destination, cancellationToken: Timeout());
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(destination));

        // Every shard landed on the XOR-closest storage nodes of the whole mesh, as a node that knows them all would pick.
        Manifest manifest = await receiver.GetManifestAsync(sent.FileKey, Timeout());
        ContentHash shard = manifest.Stripes[0].Shards[0];
        var holders = mesh.StorageNodes.Where(n => n.Store.Contains(shard)).Select(n => n.PeerId).ToHashSet();
        var expected = mesh.StorageNodes.Select(n => n.PeerId)
            .OrderBy(KadDht.KeyOf, Comparer<KadKey>.Create((a, b) => KadKey.Hash(shard.ToArray()).CompareDistance(a, b)))
            .Take(2).ToHashSet();
        Assert.True(expected.SetEquals(holders), "the shard should be on the 2 XOR-closest storage nodes");

        // The holders announced the shard as providers (in the background of their store replies: wait for it).
        ContentHash other = manifest.Stripes[0].Shards[1];
        var otherHolders = mesh.StorageNodes.Where(n => n.Store.Contains(other)).Select(n => n.PeerId).ToHashSet();
        IReadOnlyList<Libp2p.Identity.PeerId> providers = [];
        await Polling.WaitUntilAsync(async () => otherHolders.SetEquals(providers = await receiver.Directory.FindProvidersAsync(other, Timeout())));
        Assert.True(otherHolders.SetEquals(providers), $"providers {string.Join(", ", providers)} should be the holders {string.Join(", ", otherHolders)}");
        Assert.All(mesh.StorageNodes.Where(n => otherHolders.Contains(n.PeerId)),
            n => Assert.Contains(n.Dht.Providers.LocalKeys(), k => k.AsSpan().SequenceEqual(ShardProviderKey.Of(other)))); // announced under the shard's CID
        Assert.All(mesh.StorageNodes, n => Assert.Equal(0, n.ProviderAnnouncer.Dropped));
    }

    [Fact]
    public async Task Manifest_IsPublishedAsARecord_AndReadFromItWhenNoStoredCopyIsLeft()
    {
        await using LocalMesh mesh = await LocalMesh.StartJoinedAsync(8, Timeout());
        DataMeshNode sender = await mesh.AddClientAsync("sender", mesh.StorageNodes[0], Timeout());
        SendFileResult sent = await sender.SendFileAsync(mesh.WriteRandomFile("p.bin", 50_000, seed: 9), cancellationToken: Timeout());
        DataMeshNode reader = await mesh.AddClientAsync("reader", mesh.StorageNodes[7], Timeout());

        byte[] record = await reader.Dht.GetValueAsync(ManifestRecordKey.For(sent.FileKey), Timeout());
        Assert.Equal(sent.FileKey.Hash, ContentHash.Compute(record));

        foreach (DataMeshNode node in mesh.StorageNodes)
        {
            await node.Store.DeleteAsync(sent.FileKey.Hash, Timeout());
        }
        Manifest manifest = await reader.GetManifestAsync(sent.FileKey, Timeout());
        Assert.Equal(50_000, manifest.PlaintextSize);
    }

    [Fact]
    public async Task ManifestRecords_WhoseValueIsNotTheManifest_AreRefused()
    {
        await using LocalMesh mesh = await LocalMesh.StartJoinedAsync(2, Timeout());
        var fileKey = new ManifestAddress(ContentHash.Compute("not a manifest"u8));
        RecordRejectedException error = await Assert.ThrowsAsync<RecordRejectedException>(() =>
            mesh.StorageNodes[0].Dht.PutValueAsync(ManifestRecordKey.For(fileKey), "not a manifest"u8.ToArray(), Timeout()));
        Assert.Contains("valid signed manifest", error.Reason, StringComparison.Ordinal);
        await Assert.ThrowsAsync<RecordRejectedException>(() =>
            mesh.StorageNodes[0].Dht.PutValueAsync(ManifestRecordKey.For(fileKey), "something else"u8.ToArray(), Timeout()));
    }
}
