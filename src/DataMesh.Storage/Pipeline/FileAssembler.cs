using DataMesh.Storage.Addressing;
using DataMesh.Storage.Chunking;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Io;
using DataMesh.Storage.Keys;
using DataMesh.Storage.Manifests;
using Microsoft.Extensions.Logging;

namespace DataMesh.Storage.Pipeline;

/// <summary>Writes a file from its stripes, in any order, into a temporary file beside the destination, and moves it
/// into place only when the whole-file BLAKE3 matches the manifest. The stripes come either from an
/// <see cref="IShardSource"/> (<see cref="FileDecoder"/>) or already fetched, e.g. by the node's concurrent chunk
/// manager (<see cref="WriteStripeAsync"/>). Disposing it before <see cref="CompleteAsync"/> deletes the partial file.</summary>
public sealed partial class FileAssembler : IDisposable
{
    private readonly Manifest _manifest;
    private readonly DecodeOptions _options;
    private readonly FileKey _key;
    private readonly AssemblyFile _output;
    private readonly ContentHasher _plaintextHash = new();
    private readonly StripeDecoder _decoder;
    private readonly ErasureCoder _coder;
    private readonly InOrderTurnstile _hashTurn = new();
    private readonly string _temp;
    private bool _moved;
    private bool _keepPartial;
    private int _disposed;

    private FileAssembler(Manifest manifest, StripeLayout layout, FileKey key, string destination, string temp,
        AssemblyFile output, DecodeOptions options, IShardSource? source)
    {
        _manifest = manifest;
        Layout = layout;
        _key = key;
        DestinationPath = destination;
        _temp = temp;
        _output = output;
        _options = options;
        _decoder = new StripeDecoder(manifest, layout, key, source, output, _hashTurn, _plaintextHash, options.Logger);
        _coder = new ErasureCoder(layout.DataShards, layout.ParityShards); // thread-safe, shared by all stripes
    }

    public string DestinationPath { get; }

    public long StripeCount => Layout.StripeCount;

    public int StripesRebuilt => _decoder.StripesRebuilt;

    public int ShardsUnavailable => _decoder.ShardsUnavailable;

    internal StripeLayout Layout { get; }

    /// <summary>Checks the destination and the manifest's layout, unwraps the file key for <paramref name="recipient"/>
    /// and creates the temporary file.</summary>
    /// <exception cref="DestinationExistsException">The destination exists and <see cref="DecodeOptions.Overwrite"/> is off.</exception>
    /// <exception cref="WrongKeyException">The file was not shared with <paramref name="recipient"/>.</exception>
    public static FileAssembler Create(Manifest manifest, UserIdentity recipient, string destinationPath, DecodeOptions? options = null) =>
        Create(manifest, recipient, destinationPath, options ?? new DecodeOptions(), source: null);

    internal static FileAssembler Create(Manifest manifest, UserIdentity recipient, string destinationPath, DecodeOptions options, IShardSource? source)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationPath);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        string destination = Path.GetFullPath(destinationPath);
        FileDecoder.ThrowIfDestinationTaken(destination, options.Overwrite);
        StripeLayout layout = FileDecoder.CheckLayout(manifest);
        FileKey key = manifest.UnwrapFileKey(recipient);
        string name = Path.GetFileName(destination);
        string temp = Path.Combine(Path.GetDirectoryName(destination)!, $".{name[..Math.Min(name.Length, 100)]}.{Guid.NewGuid():N}.partial");
        try
        {
            AssemblyFile output = AssemblyFile.Create(temp, layout.FileSize, layout.ChunkSize);
            return new FileAssembler(manifest, layout, key, destination, temp, output, options, source);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Rebuilds (from any k present shards) and writes one stripe. <paramref name="shards"/> has one buffer of
    /// the stripe's shard length per slot; those not <paramref name="present"/> are scratch space. Safe to call for
    /// different stripes concurrently.</summary>
    public ValueTask WriteStripeAsync(long stripe, ReadOnlySpan<Memory<byte>> shards, ReadOnlySpan<bool> present, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stripe);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(stripe, Layout.StripeCount);
        if (shards.Length != Layout.ShardsPerStripe || present.Length != Layout.ShardsPerStripe)
        {
            throw new ArgumentException($"A stripe has {Layout.ShardsPerStripe} shard slots; got {shards.Length} buffers and {present.Length} flags.");
        }
        int length = _manifest.Stripes[(int)stripe].ShardLength;
        foreach (Memory<byte> shard in shards)
        {
            if (shard.Length != length)
            {
                throw new ArgumentException($"Every shard of stripe {stripe} is {length} bytes; got a {shard.Length}-byte buffer.");
            }
        }
        return _decoder.AssembleAsync(stripe, shards.ToArray(), present.ToArray(), _coder, cancellationToken);
    }

    internal ValueTask FetchAndWriteStripeAsync(long stripe, CancellationToken cancellationToken) =>
        _decoder.DecodeAsync(stripe, _coder, cancellationToken);

    /// <summary>Once every stripe is written: checks the plaintext hash, syncs and moves the file into place.</summary>
    /// <exception cref="PlaintextHashMismatchException">The assembled file does not match the manifest.</exception>
    public Task<DecodeResult> CompleteAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ContentHash actual = _plaintextHash.GetHash();
        if (actual != _manifest.PlaintextHash)
        {
            throw new PlaintextHashMismatchException(_manifest.PlaintextHash.ToString(), actual.ToString());
        }
        if (RandomAccess.GetLength(_output.Buffered) != Layout.FileSize)
        {
            RandomAccess.SetLength(_output.Buffered, Layout.FileSize);
        }
        if (_options.FlushToDisk)
        {
            RandomAccess.FlushToDisk(_output.Buffered);
        }
        _output.Dispose();
        FileDecoder.MoveIntoPlace(_temp, DestinationPath, _options.Overwrite);
        _moved = true;
        Log.Decoded(_options.Logger, Layout.FileSize, DestinationPath, StripesRebuilt, ShardsUnavailable);
        return Task.FromResult(new DecodeResult(DestinationPath, Layout.FileSize, StripesRebuilt, ShardsUnavailable));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _output.Dispose();
        _plaintextHash.Dispose();
        _key.Dispose();
        if (!_moved && !_keepPartial)
        {
            AtomicFile.TryDelete(_temp);
        }
    }
}
