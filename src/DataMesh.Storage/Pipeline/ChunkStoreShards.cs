using System.Buffers;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.ChunkStore;
using DataMesh.Storage.Manifests;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Store = DataMesh.Storage.ChunkStore.ChunkStore;

namespace DataMesh.Storage.Pipeline;

/// <summary>An <see cref="IShardSink"/> that writes shards into a local <see cref="Store"/>.</summary>
internal sealed class ChunkStoreShardSink(Store store) : IShardSink
{
    public ValueTask PutShardAsync(ContentHash address, ReadOnlyMemory<byte> shard, long stripe, int index, CancellationToken cancellationToken) =>
        // The encoder hashed these exact bytes a moment ago in this process; hashing them again would cost a full
        // BLAKE3 pass per shard for nothing.
        store.PutPrehashedAsync(address, shard, cancellationToken);
}

/// <summary>An <see cref="IShardSource"/> that reads shards from a local <see cref="Store"/>. A shard the store finds
/// corrupt (and removes) is reported as unavailable, so the decoder rebuilds it from the others.</summary>
internal sealed class ChunkStoreShardSource(Store store, ILogger? logger = null) : IShardSource, IVerifiedShardSource
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    public async ValueTask<IMemoryOwner<byte>?> TryGetShardAsync(ContentHash address, long stripe, int index, CancellationToken cancellationToken)
    {
        try
        {
            return await store.TryGetAsync(address, cancellationToken).ConfigureAwait(false);
        }
        catch (CorruptShardException ex)
        {
            Log.ShardUnavailable(_logger, stripe, index, ex.Message);
            return null;
        }
    }
}

/// <summary>Pins a stored file's shards in a chunk store.</summary>
public static class ChunkStorePinning
{
    /// <summary>Pins every shard <paramref name="manifest"/> lists under the manifest's address (hex), so garbage
    /// collection keeps the file. Virtual padding slots are included; they are never stored, so naming them costs
    /// only their 32 bytes in the pin file.</summary>
    public static Task PinManifestAsync(this Store store, ManifestAddress address, Manifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(manifest);
        return store.PinAsync(address.Hash.ToString(), manifest.Stripes.SelectMany(s => s.Shards), cancellationToken);
    }
}
