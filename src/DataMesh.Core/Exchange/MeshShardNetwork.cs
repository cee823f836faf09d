using DataMesh.Core.Transfers;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Exchange;

/// <summary>The transfer engine's view of the mesh: placement and holders from an <see cref="IPeerDirectory"/>,
/// requests over /datamesh/chunk/1.0.0.</summary>
internal sealed class MeshShardNetwork : IShardNetwork
{
    private readonly ChunkExchangeClient _client;
    private readonly IPeerDirectory _directory;
    private readonly int _holderCandidates;

    /// <param name="holderCandidates">How many XOR-closest storage peers to consider holders besides announced
    /// providers: the replication factor plus slack for peers that joined since the upload.</param>
    public MeshShardNetwork(ChunkExchangeClient client, IPeerDirectory directory, int holderCandidates)
    {
        _client = client;
        _directory = directory;
        _holderCandidates = holderCandidates;
    }

    public async ValueTask<IReadOnlyList<PeerId>> FindHoldersAsync(ContentHash shard, CancellationToken cancellationToken)
    {
        IReadOnlyList<PeerId> providers = await _directory.FindProvidersAsync(shard, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<PeerId> closest = await _directory.FindClosestStoragePeersAsync(shard, _holderCandidates, cancellationToken).ConfigureAwait(false);
        return [.. providers.Concat(closest).Distinct()];
    }

    public ValueTask<IReadOnlyList<PeerId>> FindPlacementPeersAsync(ContentHash shard, int count, CancellationToken cancellationToken) =>
        _directory.FindClosestStoragePeersAsync(shard, count, cancellationToken);

    public Task StoreShardAsync(PeerId peer, ContentHash shard, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        _client.StoreAsync(peer, shard, data, cancellationToken);

    public Task<int> FetchShardAsync(PeerId peer, ContentHash shard, Memory<byte> destination, CancellationToken cancellationToken) =>
        _client.FetchAsync(peer, shard, destination, cancellationToken);

    public Task<byte[]> FetchBlobAsync(PeerId peer, ContentHash address, int maxLength, CancellationToken cancellationToken) =>
        _client.FetchBlobAsync(peer, address, maxLength, cancellationToken);

    public Task<bool[]> HaveAsync(PeerId peer, IReadOnlyList<ContentHash> shards, CancellationToken cancellationToken) =>
        _client.HaveAsync(peer, shards, cancellationToken);

    public Task<int> DeleteFileAsync(PeerId peer, ManifestAddress address, ReadOnlyMemory<byte> encodedManifest, ReadOnlyMemory<byte> signature,
        CancellationToken cancellationToken) =>
        _client.DeleteAsync(peer, address, encodedManifest, signature, cancellationToken);
}
