using System.Collections.Immutable;
using DataMesh.Core.Exchange;
using DataMesh.Core.Node;
using DataMesh.Core.Transfers;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.ChunkStore;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Keys;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Tests.Node;

/// <summary>Owner claims on real nodes: a Delete signed by someone who is not a shard's owner deletes nothing of it,
/// whatever manifest they sign; the owner's delete removes only their claim when others claim the shard too; claims
/// survive a restart; shards nobody claims are never deleted remotely; a shard's claims are capped.</summary>
public sealed class OwnerClaimsTests
{
    private static CancellationToken Timeout(int seconds = 60) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task ForgedManifests_ListingTheVictimsShards_DeleteNothingAnywhere_AndTheFileStillReceivesBitExact()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 6, replication: 2);
        string source = mesh.WriteRandomFile("victim.bin", 200_000, seed: 21);
        SendFileResult sent = await mesh.Client.SendFileAsync(source, cancellationToken: Timeout());
        Manifest victim = await mesh.Client.GetManifestAsync(sent.FileKey, Timeout());
        ContentHash[] all = [.. ManifestShards.Stored(victim).Append(sent.FileKey.Hash)];
        Dictionary<DataMeshNode, ContentHash[]> before = mesh.StorageNodes.ToDictionary(n => n, n => all.Where(n.Store.Contains).ToArray());

        // The attacker reads the public manifest and signs two of their own: one listing every data and parity shard,
        // one that lists the victim's manifest address in place of a shard. They even claim one shard themselves first.
        DataMeshNode attacker = mesh.StorageNodes[0];
        var client = new ChunkExchangeClient(attacker.Host, attacker.User.PublicIdentity);
        (ManifestAddress sameShards, byte[] sameEncoded) = Forge(victim, attacker.User);
        (ManifestAddress withManifest, byte[] withManifestEncoded) = Forge(victim, attacker.User, sent.FileKey.Hash);
        ContentHash firstShard = ManifestShards.Stored(victim).First();
        DataMeshNode firstHolder = mesh.StorageNodes.Skip(1).First(n => n.Store.Contains(firstShard));
        await client.StoreAsync(firstHolder.PeerId, firstShard, await ReadAsync(firstHolder, firstShard), Timeout());

        foreach (DataMeshNode peer in mesh.StorageNodes.Skip(1))
        {
            Assert.Equal(0, await client.DeleteAsync(peer.PeerId, sameShards, sameEncoded, DeleteAuthorization.Sign(attacker.User, sameShards), Timeout()));
            Assert.Equal(0, await client.DeleteAsync(peer.PeerId, withManifest, withManifestEncoded, DeleteAuthorization.Sign(attacker.User, withManifest), Timeout()));
        }

        Assert.All(mesh.StorageNodes, n => Assert.Equal(before[n], all.Where(n.Store.Contains).ToArray()));
        Assert.Equal([OwnerTag.Of(mesh.Client.User.PublicIdentity)], await firstHolder.Claims.GetOwnersAsync(firstShard, Timeout()));
        string destination = Path.Combine(mesh.Root, "victim-restored.bin");
        await mesh.Client.ReceiveFileAsync(sent.FileKey, destination, cancellationToken: Timeout());
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(destination));

        // The owner's own delete still removes every copy.
        FileRemovalResult removed = await mesh.Client.RemoveFileAsync(sent.FileKey, Timeout());
        Assert.Empty(removed.Problems);
        Assert.Equal(before.Values.Sum(held => held.Length), removed.ShardsDeleted);
        Assert.All(mesh.StorageNodes, n => Assert.DoesNotContain(all, n.Store.Contains));
    }

    [Fact]
    public async Task ShardClaimedByTwoOwners_SurvivesOneOwnersDelete_AndGoesWithTheOthers()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 4, replication: 1);
        SendFileResult sent = await mesh.Client.SendFileAsync(mesh.WriteRandomFile("shared.bin", 100_000, seed: 22), cancellationToken: Timeout());
        Manifest manifest = await mesh.Client.GetManifestAsync(sent.FileKey, Timeout());
        ContentHash shared = ManifestShards.Stored(manifest).First();
        DataMeshNode holder = mesh.StorageNodes.First(n => n.Store.Contains(shared));
        DataMeshNode other = mesh.StorageNodes.First(n => n != holder);
        var otherClient = new ChunkExchangeClient(other.Host, other.User.PublicIdentity);
        byte[] bytes = await ReadAsync(holder, shared);
        await otherClient.StoreAsync(holder.PeerId, shared, bytes, Timeout());
        await otherClient.StoreAsync(holder.PeerId, shared, bytes, Timeout());
        Assert.Equal(2, (await holder.Claims.GetOwnersAsync(shared, Timeout())).Count);

        FileRemovalResult removed = await mesh.Client.RemoveFileAsync(sent.FileKey, Timeout());

        Assert.Empty(removed.Problems);
        Assert.True(holder.Store.Contains(shared));
        Assert.Equal([OwnerTag.Of(other.User.PublicIdentity)], await holder.Claims.GetOwnersAsync(shared, Timeout()));
        Assert.All(mesh.StorageNodes, n => Assert.DoesNotContain(ManifestShards.Stored(manifest).Skip(1), n.Store.Contains));

        (ManifestAddress own, byte[] encoded) = Forge(manifest, other.User);
        Assert.Equal(1, await otherClient.DeleteAsync(holder.PeerId, own, encoded, DeleteAuthorization.Sign(other.User, own), Timeout()));
        Assert.False(holder.Store.Contains(shared));
        Assert.Empty(await holder.Claims.GetOwnersAsync(shared, Timeout()));
    }

    [Fact]
    public async Task Claims_SurviveAStorageNodeRestart()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 3, replication: 1);
        SendFileResult sent = await mesh.Client.SendFileAsync(mesh.WriteRandomFile("restart.bin", 100_000, seed: 23), cancellationToken: Timeout());
        Manifest manifest = await mesh.Client.GetManifestAsync(sent.FileKey, Timeout());
        ContentHash[] all = [.. ManifestShards.Stored(manifest).Append(sent.FileKey.Hash)];
        int index = mesh.StorageNodes.FindIndex(n => n.Store.Contains(sent.FileKey.Hash));
        ContentHash[] held = [.. all.Where(mesh.StorageNodes[index].Store.Contains)];

        DataMeshNode restarted = await mesh.RestartStorageNodeAsync(index);

        OwnerTag owner = OwnerTag.Of(mesh.Client.User.PublicIdentity);
        foreach (ContentHash shard in held)
        {
            Assert.True(restarted.Store.Contains(shard));
            Assert.Equal([owner], await restarted.Claims.GetOwnersAsync(shard, Timeout()));
        }
        DataMeshNode attacker = mesh.StorageNodes.First(n => n != restarted);
        // The manifest copy is pinned by nothing, so only its reloaded claim keeps it from this forged delete.
        (ManifestAddress forged, byte[] encoded) = Forge(manifest, attacker.User, sent.FileKey.Hash);
        var client = new ChunkExchangeClient(attacker.Host, attacker.User.PublicIdentity);
        Assert.Equal(0, await client.DeleteAsync(restarted.PeerId, forged, encoded, DeleteAuthorization.Sign(attacker.User, forged), Timeout()));
        Assert.All(held, shard => Assert.True(restarted.Store.Contains(shard)));

        FileRemovalResult removed = await mesh.Client.RemoveFileAsync(sent.FileKey, Timeout());
        Assert.Empty(removed.Problems);
        Assert.All(mesh.StorageNodes, n => Assert.DoesNotContain(all, n.Store.Contains));
    }

    [Fact]
    public async Task UnclaimedShards_FromAClientWithoutOwnerTags_AreNotDeletedRemotely()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 3, replication: 1);
        SendFileResult sent = await mesh.Client.SendFileAsync(mesh.WriteRandomFile("legacy.bin", 100_000, seed: 24), cancellationToken: Timeout());
        Manifest manifest = await mesh.Client.GetManifestAsync(sent.FileKey, Timeout());
        DataMeshNode peer = mesh.StorageNodes[0];
        byte[] legacyShard = [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7))];
        ContentHash legacy = ContentHash.Compute(legacyShard);
        await new ChunkExchangeClient(mesh.Client.Host).StoreAsync(peer.PeerId, legacy, legacyShard, Timeout());
        Assert.True(peer.Store.Contains(legacy));
        Assert.Empty(await peer.Claims.GetOwnersAsync(legacy, Timeout()));

        byte[] claimedShard = [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 11))];
        ContentHash claimed = ContentHash.Compute(claimedShard);
        var owner = new ChunkExchangeClient(mesh.Client.Host, mesh.Client.User.PublicIdentity);
        await owner.StoreAsync(peer.PeerId, claimed, claimedShard, Timeout());

        // Even the would-be owner cannot prove a shard stored without a tag is theirs: it stays, while the shard
        // they claimed goes.
        (ManifestAddress address, byte[] encoded) = Forge(manifest, mesh.Client.User, legacy, claimed);
        int deleted = await owner.DeleteAsync(peer.PeerId, address, encoded, DeleteAuthorization.Sign(mesh.Client.User, address), Timeout());

        Assert.Equal(1, deleted);
        Assert.False(peer.Store.Contains(claimed));
        Assert.True(peer.Store.Contains(legacy));
    }

    [Fact]
    public async Task Claims_AreIdempotentPerOwner_AndCapped_TheStoreBeyondTheCapIsRefused()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 1, replication: 1);
        DataMeshNode peer = mesh.StorageNodes[0];
        byte[] shard = [.. Enumerable.Range(0, 1000).Select(i => (byte)i)];
        ContentHash hash = ContentHash.Compute(shard);
        for (int i = 0; i < ShardClaims.DefaultMaxOwnersPerShard; i++)
        {
            using UserIdentity someone = UserIdentity.Generate();
            var client = new ChunkExchangeClient(mesh.Client.Host, someone.PublicIdentity);
            await client.StoreAsync(peer.PeerId, hash, shard, Timeout());
            await client.StoreAsync(peer.PeerId, hash, shard, Timeout());
        }
        Assert.Equal(ShardClaims.DefaultMaxOwnersPerShard, (await peer.Claims.GetOwnersAsync(hash, Timeout())).Count);

        using UserIdentity oneTooMany = UserIdentity.Generate();
        ShardRejectedException refused = await Assert.ThrowsAsync<ShardRejectedException>(
            () => new ChunkExchangeClient(mesh.Client.Host, oneTooMany.PublicIdentity).StoreAsync(peer.PeerId, hash, shard, Timeout()));

        Assert.Contains(nameof(ChunkResponseStatus.TooManyClaims), refused.Message, StringComparison.Ordinal);
        Assert.Equal(ShardClaims.DefaultMaxOwnersPerShard, (await peer.Claims.GetOwnersAsync(hash, Timeout())).Count);
        Assert.DoesNotContain(OwnerTag.Of(oneTooMany.PublicIdentity), await peer.Claims.GetOwnersAsync(hash, Timeout()));
    }

    [Fact]
    public async Task StoreWithAnUnknownFlag_IsAnsweredBadRequest()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 1, replication: 1);
        await using var stream = await mesh.Client.Host.OpenStreamAsync(mesh.StorageNodes[0].PeerId, [ChunkExchangeProtocol.ProtocolId], Timeout());
        byte[] header = new byte[ChunkExchangeProtocol.RequestHeaderSize];
        header[0] = (byte)ChunkRequestType.Store;
        header[1] = 0x02;
        await stream.Output.WriteAsync(header, Timeout());

        ChunkResponseHeader response = await ChunkExchangeCodec.ReadResponseAsync(stream.Input, maxPayload: 0, Timeout());

        Assert.Equal(ChunkResponseStatus.BadRequest, response.Status);
        Assert.StartsWith("Unknown Store flags 0x02", response.Message, StringComparison.Ordinal);
    }

    /// <summary>A manifest with <paramref name="template"/>'s layout and shards, owned and signed by
    /// <paramref name="signer"/>; <paramref name="replacements"/>, when given, replace stripe 0's first shards.</summary>
    private static (ManifestAddress Address, byte[] Encoded) Forge(Manifest template, UserIdentity signer, params ContentHash[] replacements)
    {
        IReadOnlyList<ManifestStripe> stripes = template.Stripes;
        ImmutableArray<ContentHash> first = stripes[0].Shards;
        for (int slot = 0; slot < replacements.Length; slot++)
        {
            first = first.SetItem(slot, replacements[slot]);
        }
        stripes = [new ManifestStripe(stripes[0].ShardLength, first), .. stripes.Skip(1)];
        var forged = new Manifest(template.FileId, template.CreatedAt, template.PlaintextSize, template.PlaintextHash, template.ChunkSize,
            template.DataShards, template.ParityShards, template.Cipher, stripes, template.WrappedKeys, template.SealedMetadata, signer.PublicIdentity);
        byte[] encoded = ManifestCodec.Encode(forged, signer);
        return (ManifestAddress.Compute(encoded), encoded);
    }

    private static async Task<byte[]> ReadAsync(DataMeshNode node, ContentHash shard)
    {
        using ShardBuffer? stored = await node.Store.TryGetAsync(shard, Timeout());
        return stored!.Memory.ToArray();
    }
}
