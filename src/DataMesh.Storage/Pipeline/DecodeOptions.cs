using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataMesh.Storage.Pipeline;

/// <summary>How to decode a file.</summary>
public sealed record DecodeOptions
{
    /// <summary>Replace an existing destination file. Off by default: decoding never clobbers a file unasked.</summary>
    public bool Overwrite { get; init; }

    /// <summary>Stripes fetched, rebuilt and decrypted at once; memory use is about this × (k + m) × chunk size. Twice
    /// the cores by default, as for encoding (<see cref="EncodeOptions.Parallelism"/>): fetches and writes wait on
    /// storage or peers while other stripes use the cores.</summary>
    public int Parallelism { get; init; } = EncodeOptions.DefaultParallelism;

    /// <summary>fsync the file before moving it into place.</summary>
    public bool FlushToDisk { get; init; } = true;

    public ILogger Logger { get; init; } = NullLogger.Instance;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Logger);
        ArgumentOutOfRangeException.ThrowIfLessThan(Parallelism, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Parallelism, 64);
    }
}

/// <summary>Outcome of a decode.</summary>
/// <param name="Path">The destination written.</param>
/// <param name="Size">Plaintext bytes.</param>
/// <param name="StripesRebuilt">Stripes that needed Reed-Solomon reconstruction (some data shard was unavailable).</param>
/// <param name="ShardsUnavailable">Shards asked for that were missing or failed verification.</param>
public sealed record DecodeResult(string Path, long Size, int StripesRebuilt, int ShardsUnavailable);
