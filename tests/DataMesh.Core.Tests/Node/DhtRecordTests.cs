using DataMesh.Core.Node;
using DataMesh.Libp2p.Kad;

namespace DataMesh.Core.Tests.Node;

/// <summary>The node's text API over the DHT: peer lookups, signed records, the routing table, DHT lifetime.</summary>
public sealed class DhtRecordTests
{
    private static CancellationToken Timeout(int seconds = 30) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task Records_PublishedByOneNode_AreReadByAnother_NewestVersionWins()
    {
        await using LocalMesh mesh = await LocalMesh.StartJoinedAsync(6, Timeout());
        DataMeshNode publisher = mesh.StorageNodes[0];
        DataMeshNode reader = await mesh.AddClientAsync("reader", mesh.StorageNodes[5], Timeout());

        DhtRecordView first = await publisher.PublishRecordAsync("greeting", "hello"u8.ToArray(), Timeout());
        DhtRecordView second = await publisher.PublishRecordAsync("greeting", "hello again"u8.ToArray(), Timeout());
        Assert.True(second.Sequence > first.Sequence);
        Assert.True(second.Replicas > 0);
        Assert.Equal($"/dm/{publisher.PeerIdText}/greeting", second.Key);

        DhtRecordView byName = await reader.GetRecordAsync("greeting", publisher.PeerIdText, Timeout());
        DhtRecordView byKey = await reader.GetRecordAsync(second.Key, null, Timeout());
        Assert.Equal("hello again"u8.ToArray(), byName.Value.ToArray());
        Assert.Equal(second.Sequence, byKey.Sequence);
        Assert.Equal(publisher.PeerIdText, byKey.Publisher);
        Assert.NotNull(byKey.Published);
        Assert.Equal(byKey.Published + TimeSpan.FromHours(36), byKey.Expires);
    }

    [Theory]
    [InlineData("", null, NodeErrorKind.InvalidRecordKey)]
    [InlineData("a//b", null, NodeErrorKind.InvalidRecordKey)]
    [InlineData("/other/x/y", null, NodeErrorKind.InvalidRecordKey)]
    [InlineData("/dm/not-a-peer/y", null, NodeErrorKind.InvalidPeerId)]
    [InlineData("name", "not-a-peer", NodeErrorKind.InvalidPeerId)]
    [InlineData("never-published", null, NodeErrorKind.NotFoundOnDht)]
    public async Task BadKeys_AndMissingRecords_AreTypedErrors(string key, string? publisher, NodeErrorKind kind)
    {
        await using LocalMesh mesh = await LocalMesh.StartJoinedAsync(3, Timeout());
        NodeRequestException error = await Assert.ThrowsAsync<NodeRequestException>(() => mesh.StorageNodes[1].GetRecordAsync(key, publisher, Timeout()));
        Assert.Equal(kind, error.Kind);
    }

    [Fact]
    public async Task TooLargeValue_IsRefusedBeforeAnythingIsSent()
    {
        await using LocalMesh mesh = await LocalMesh.StartJoinedAsync(2, Timeout());
        NodeRequestException error = await Assert.ThrowsAsync<NodeRequestException>(() =>
            mesh.StorageNodes[0].PublishRecordAsync("big", new byte[DataMeshNode.MaxRecordValueBytes + 1], Timeout()));
        Assert.Equal(NodeErrorKind.InvalidRecordValue, error.Kind);
        Assert.Equal(0, mesh.StorageNodes[0].Dht.Records.Count);
    }

    [Fact]
    public async Task FindPeer_FindsAnUnconnectedPeerThroughTheDht_AndTheRoutingTableIsVisible()
    {
        await using LocalMesh mesh = await LocalMesh.StartJoinedAsync(8, Timeout());
        DataMeshNode client = await mesh.AddClientAsync("client", mesh.StorageNodes[0], Timeout());
        DataMeshNode target = mesh.StorageNodes.First(n => !client.Host.IsConnected(n.PeerId));

        DhtPeerView found = await client.FindPeerAsync(target.PeerIdText, Timeout());
        Assert.Equal(target.PeerIdText, found.PeerId);
        Assert.Contains(target.ListenAddresses[0].ToString(), found.Addresses);

        IReadOnlyList<RoutingTablePeerView> table = client.GetRoutingTablePeers();
        Assert.NotEmpty(table);
        Assert.All(table, p => Assert.NotNull(p.Bucket));
        Assert.Contains(table, p => p.Connection is not null);
        Assert.True(client.IsInRoutingTable(table[0].PeerId));
        Assert.DoesNotContain(mesh.StorageNodes.SelectMany(n => n.GetRoutingTablePeers()), p => p.PeerId == client.PeerIdText);

        NodeRequestException bad = await Assert.ThrowsAsync<NodeRequestException>(() => client.FindPeerAsync("nope", Timeout()));
        Assert.Equal(NodeErrorKind.InvalidPeerId, bad.Kind);
    }

    [Fact]
    public async Task DhtStores_SurviveARestart_InTheDataDirectory()
    {
        await using LocalMesh mesh = await LocalMesh.StartJoinedAsync(1, Timeout());
        DataMeshNode node = mesh.StorageNodes[0];
        await node.PublishRecordAsync("kept", "v1"u8.ToArray(), Timeout());
        await node.DisposeAsync();
        mesh.StorageNodes.Clear();

        await using DataMeshNode restarted = await DataMeshNode.StartAsync(mesh.Options("storage0"), new NodeStartOptions { InMemoryNetwork = new() }, cancellationToken: Timeout());
        Assert.Equal(1, restarted.Dht.Records.Count);
        DhtRecordView again = await restarted.GetRecordAsync("kept", null, Timeout());
        Assert.Equal("v1"u8.ToArray(), again.Value.ToArray());
        Assert.True(Directory.Exists(Path.Combine(restarted.DataDirectory, "dht", "records")));
    }
}
