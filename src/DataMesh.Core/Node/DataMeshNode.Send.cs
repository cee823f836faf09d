using System.Buffers;
using System.Threading.Channels;
using DataMesh.Core.Transfers;
using DataMesh.Storage.Catalog;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Manifests;
using DataMesh.Storage.Pipeline;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Node;

public sealed partial class DataMeshNode
{
    /// <summary>Encrypts, erasure-codes and stores a file on the mesh: the encoder streams shards into a bounded
    /// channel that the chunk manager drains with at most MaxConcurrency uploads in flight, each shard confirmed by
    /// replication_factor peers. The signed manifest is stored like a shard; its address is the file key.</summary>
    /// <exception cref="UploadFailedException">Some shard could not reach its replication target (lists which and why).</exception>
    public async Task<SendFileResult> SendFileAsync(string path, SendFileOptions? options = null,
        IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new SendFileOptions();
        string source = Path.GetFullPath(path);
        var info = new FileInfo(source);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"Cannot send '{source}': the file does not exist.", source);
        }
        var storage = Options.Storage;
        ConcurrentChunkManager manager = CreateChunkManager(options.MaxConcurrency, maxRetrievals: null);
        var encodeOptions = new EncodeOptions
        {
            Owner = User,
            Name = options.Name ?? info.Name,
            Tags = options.Tags,
            Recipients = options.Recipients,
            ChunkSize = storage.ChunkSize,
            DataShards = storage.DataShards,
            ParityShards = storage.ParityShards,
            TimeProvider = StartOptions.TimeProvider,
            Logger = _loggerFactory.CreateLogger("DataMesh.Storage.Pipeline"),
        };

        // Bounded: the encoder waits while the uploads lag, so memory stays at a few stripes whatever the file size.
        var shards = Channel.CreateBounded<ShardToUpload>(new BoundedChannelOptions(manager.Options.MaxConcurrentUploads * 2)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var transfer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<UploadResult> upload = manager.UploadAsync(shards.Reader, ExpectedUpload(info.Length, storage.ChunkSize, storage.DataShards, storage.ParityShards),
            progress, journal: null, transfer.Token);
        EncodeResult encoded;
        try
        {
            encoded = await FileEncoder.EncodeAsync(source, encodeOptions, new ChannelShardSink(shards.Writer), null, transfer.Token).ConfigureAwait(false);
            shards.Writer.Complete();
        }
        catch (Exception error)
        {
            // Stop the uploads and wait for them: nothing outlives the call. The upload's own failure, if it came
            // first (a full channel makes the encoder wait on a dead reader), is the one worth reporting.
            shards.Writer.TryComplete(error);
            await transfer.CancelAsync().ConfigureAwait(false);
            try
            {
                await upload.ConfigureAwait(false);
            }
            catch (UploadFailedException)
            {
                throw;
            }
            catch (Exception) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // the encoder's error below is the cause
            }
            throw;
        }
        UploadResult uploaded = await upload.ConfigureAwait(false);

        // The manifest is tiny and without it nothing can be read: it gets at least one copy more than a stripe can
        // lose shards, so it survives whatever the data survives.
        int manifestCopies = Math.Max(Options.Network.ReplicationFactor, storage.ParityShards + 1);
        ConcurrentChunkManager manifestUploader = CreateChunkManager(options.MaxConcurrency, maxRetrievals: null, replicationFactor: manifestCopies);
        await manifestUploader.UploadAsync(OneShard(new ShardToUpload(encoded.Address.Hash, encoded.EncodedManifest)), cancellationToken: cancellationToken).ConfigureAwait(false);
        await PublishManifestRecordAsync(encoded.Address, encoded.EncodedManifest, cancellationToken).ConfigureAwait(false);

        Manifest manifest = encoded.Manifest;
        await Catalog.AddAsync(new CatalogEntry
        {
            FileKey = encoded.Address.ToString(),
            ManifestAddress = encoded.Address.Hash.ToString(),
            Name = encodeOptions.Name,
            Size = manifest.PlaintextSize,
            Tags = options.Tags,
            CreatedUtc = manifest.CreatedAt,
            ChunkSize = manifest.ChunkSize,
            DataShards = manifest.DataShards,
            ParityShards = manifest.ParityShards,
            StripeCount = manifest.Stripes.Count,
            RecipientCount = manifest.WrappedKeys.Count,
        }, cancellationToken).ConfigureAwait(false);
        string fileKey = encoded.Address.ToString();
        Log.Sent(_logger, encodeOptions.Name, manifest.PlaintextSize, fileKey, uploaded.Statistics.Duration);
        return new SendFileResult(encoded.Address, encodeOptions.Name, source, manifest.PlaintextSize, manifest.Stripes.Count,
            uploaded.Shards.Count, manifest.DataShards, manifest.ParityShards, uploaded.Statistics);
    }

    private static async IAsyncEnumerable<ShardToUpload> OneShard(ShardToUpload shard)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        yield return shard;
    }

    private static TransferTotals ExpectedUpload(long size, int chunkSize, int k, int m)
    {
        long chunks = Math.Max(1, (size + chunkSize - 1) / chunkSize);
        long stripes = (chunks + k - 1) / k;
        long shards = chunks + (stripes * m);
        long bytes = size + (chunks * ChunkCipher.TagLength) + (stripes * m * ((long)chunkSize + ChunkCipher.TagLength));
        return new TransferTotals((int)Math.Min(shards, int.MaxValue), bytes);
    }

    /// <summary>Hands encoder shards to the upload channel. The encoder's buffer is only lent for the call, so each
    /// shard is copied into a pooled buffer the chunk manager returns when it is done with it.</summary>
    private sealed class ChannelShardSink(ChannelWriter<ShardToUpload> writer) : IShardSink
    {
        public async ValueTask PutShardAsync(ContentHash address, ReadOnlyMemory<byte> shard, long stripe, int index, CancellationToken cancellationToken)
        {
            IMemoryOwner<byte> owner = MemoryPool<byte>.Shared.Rent(shard.Length);
            try
            {
                shard.CopyTo(owner.Memory);
                await writer.WriteAsync(new ShardToUpload(address, owner.Memory[..shard.Length], owner), cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                owner.Dispose();
                throw;
            }
        }
    }
}
