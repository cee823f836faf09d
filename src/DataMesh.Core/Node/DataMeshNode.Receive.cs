using System.Buffers;
using DataMesh.Core.Exchange;
using DataMesh.Core.Transfers;
using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Manifests;
using DataMesh.Storage.Pipeline;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Node;

public sealed partial class DataMeshNode
{
    /// <summary>Fetches the manifest, then the shards with at most MaxConcurrency requests in flight (k per stripe,
    /// hedged, verified), rebuilds each stripe from any k shards, and writes the file, moved into place only when its
    /// whole-file hash matches.</summary>
    /// <param name="destination">A file path, or an existing directory to receive the file under its stored name;
    /// null for the current directory.</param>
    /// <exception cref="StripeUnavailableException">Too many shards of some stripe are gone.</exception>
    public async Task<ReceiveFileResult> ReceiveFileAsync(ManifestAddress fileKey, string? destination, ReceiveFileOptions? options = null,
        IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new ReceiveFileOptions();
        ConcurrentChunkManager manager = CreateChunkManager(maxUploads: null, options.MaxConcurrency);
        Manifest manifest = await FetchManifestFromMeshOrDhtAsync(manager, fileKey, cancellationToken).ConfigureAwait(false);
        string name = manifest.DecryptMetadata(User).Name;
        string target = ResolveDestination(destination, name, fileKey);

        using FileAssembler assembler = FileAssembler.Create(manifest, User, target, new DecodeOptions
        {
            Overwrite = options.Overwrite,
            Logger = _loggerFactory.CreateLogger("DataMesh.Storage.Pipeline"),
        });
        RetrievalResult retrieved = await manager.RetrieveAsync(
            StripeDescriptor.FromManifest(manifest),
            (stripe, ct) => assembler.WriteStripeAsync(stripe.Index, stripe.Shards, stripe.Present, ct),
            progress, journal: null, cancellationToken).ConfigureAwait(false);
        DecodeResult decoded = await assembler.CompleteAsync(cancellationToken).ConfigureAwait(false);
        string keyText = fileKey.ToString();
        Log.Received(_logger, keyText, decoded.Path, decoded.Size, retrieved.Statistics.Duration);
        return new ReceiveFileResult(fileKey, name, decoded.Path, decoded.Size, manifest.Stripes.Count, decoded.StripesRebuilt, retrieved.Statistics);
    }

    /// <summary>Reads and verifies a file's manifest without fetching the file (names, sizes, layout).</summary>
    public async Task<Manifest> GetManifestAsync(ManifestAddress fileKey, CancellationToken cancellationToken = default) =>
        await FetchManifestFromMeshOrDhtAsync(CreateChunkManager(null, null), fileKey, cancellationToken).ConfigureAwait(false);

    private async Task<Manifest> FetchManifestAsync(ConcurrentChunkManager manager, ManifestAddress fileKey, CancellationToken cancellationToken)
    {
        IReadOnlyList<PeerId> holders = await _network.FindHoldersAsync(fileKey.Hash, cancellationToken).ConfigureAwait(false);
        var errors = new List<string>();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkExchangeProtocol.MaxShardBytes);
        try
        {
            foreach (PeerId peer in manager.Ranker.Rank(holders, manager.Options.PreferFastPeers))
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(manager.Options.PeerResponseTimeout);
                long started = StartOptions.TimeProvider.GetTimestamp();
                try
                {
                    int length = await _exchange.FetchAsync(peer, fileKey.Hash, buffer.AsMemory(0, ChunkExchangeProtocol.MaxShardBytes), attempt.Token).ConfigureAwait(false);
                    ReadOnlySpan<byte> bytes = buffer.AsSpan(0, length);
                    if (ContentHash.Compute(bytes) != fileKey.Hash)
                    {
                        PeerStatistics.RecordCorrupt(peer);
                        errors.Add($"{peer}: returned bytes that are not the manifest");
                        continue;
                    }
                    PeerStatistics.RecordSuccess(peer, StartOptions.TimeProvider.GetElapsedTime(started), length, 0);
                    return ManifestCodec.Read(bytes, fileKey);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    PeerStatistics.RecordTimeout(peer);
                    errors.Add($"{peer}: no answer within {manager.Options.PeerResponseTimeout.TotalSeconds:0.#} s");
                }
                catch (Exception error) when (error is DataMeshException or Libp2p.Libp2pException or IOException)
                {
                    PeerStatistics.RecordFailure(peer);
                    errors.Add($"{peer}: {error.Message}");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        throw new FileNotFoundOnMeshException(fileKey, holders.Count == 0
            ? "no storage peer is connected"
            : string.Join("; ", errors));
    }

    private static string ResolveDestination(string? destination, string storedName, ManifestAddress fileKey)
    {
        // The stored name comes from the sender: keep only its last segment so it cannot climb out of the folder.
        string safeName = Path.GetFileName(storedName.Replace('\\', '/').Split('/')[^1]);
        if (string.IsNullOrWhiteSpace(safeName) || safeName is "." or "..")
        {
            safeName = $"datamesh-{fileKey.Hash.ToString()[..16]}";
        }
        if (string.IsNullOrEmpty(destination))
        {
            return Path.Combine(Environment.CurrentDirectory, safeName);
        }
        string full = Path.GetFullPath(destination);
        return System.IO.Directory.Exists(full) ? Path.Combine(full, safeName) : full;
    }
}

/// <summary>No reachable peer could provide a file's manifest.</summary>
public sealed class FileNotFoundOnMeshException : DataMeshException
{
    public FileNotFoundOnMeshException(ManifestAddress fileKey, string detail)
        : base($"The manifest of {fileKey} could not be fetched from the mesh: {detail}.")
    {
        FileKey = fileKey;
        Detail = detail;
    }

    public ManifestAddress FileKey { get; }

    /// <summary>Why, without the file key (what each holder, or the DHT, answered).</summary>
    public string Detail { get; }
}
