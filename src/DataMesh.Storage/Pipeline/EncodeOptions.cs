using DataMesh.Storage.Addressing;
using DataMesh.Storage.Chunking;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Keys;
using DataMesh.Storage.Manifests;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataMesh.Storage.Pipeline;

/// <summary>What to encode a file as, and how much work to keep in flight.</summary>
public sealed record EncodeOptions
{
    /// <summary>Signs the manifest and can always decrypt the file.</summary>
    public required UserIdentity Owner { get; init; }

    /// <summary>File name recorded (sealed) in the manifest.</summary>
    public required string Name { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Identities besides the owner who may decrypt the file.</summary>
    public IReadOnlyList<PublicIdentity> Recipients { get; init; } = [];

    /// <summary>Plaintext bytes per chunk (<see cref="ChunkSizes"/> bounds).</summary>
    public int ChunkSize { get; init; } = ChunkSizes.Default;

    /// <summary>k: data shards per stripe.</summary>
    public int DataShards { get; init; } = 10;

    /// <summary>m: parity shards per stripe (how many shards of a stripe may be lost).</summary>
    public int ParityShards { get; init; } = 4;

    /// <summary>Stripes read ahead and queued for coding. Memory use is about
    /// (<see cref="StripesInFlight"/> + <see cref="Parallelism"/> + 1) × (k + m) × chunk size.</summary>
    public int StripesInFlight { get; init; } = 2;

    /// <summary>Stripes sealed, erasure-coded and handed to the sink at once (<see cref="DefaultParallelism"/>).</summary>
    public int Parallelism { get; init; } = DefaultParallelism;

    /// <summary>Twice the cores, from 2 to 8: a coder alternates between CPU work (sealing, coding, hashing) and
    /// waiting for its shards to be stored, so with one coder per core the cores idle during those waits; the cap
    /// bounds memory on large machines. docs/storage-store.md has the measurements.</summary>
    internal static int DefaultParallelism => Math.Clamp(2 * Environment.ProcessorCount, 2, 8);

    /// <summary>The key to seal the chunks with, instead of a fresh one; the caller keeps ownership. Only for
    /// continuing an interrupted encode of the same content with the same <see cref="FileId"/>: chunk nonces come from
    /// the chunk index, so sealing different content under a key reuses nonces. Given with <see cref="FileId"/> or not at all.</summary>
    public FileKey? FileKey { get; init; }

    /// <summary>The file id to bind the chunks to, instead of a fresh one (see <see cref="FileKey"/>).</summary>
    public FileId? FileId { get; init; }

    /// <summary>Clock for the manifest's creation time.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ILogger Logger { get; init; } = NullLogger.Instance;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Owner);
        ArgumentException.ThrowIfNullOrWhiteSpace(Name);
        ArgumentNullException.ThrowIfNull(Tags);
        ArgumentNullException.ThrowIfNull(Recipients);
        ArgumentNullException.ThrowIfNull(Logger);
        if (FileKey is null != FileId is null)
        {
            throw new ArgumentException("EncodeOptions.FileKey and FileId are given together or not at all.");
        }
        ChunkSizes.Validate(ChunkSize);
        _ = new StripeLayout(0, ChunkSize, DataShards, ParityShards); // shape check with the layout's clear errors
        if (DataShards > ManifestLimits.MaxDataShards || ParityShards > ManifestLimits.MaxParityShards)
        {
            throw new InvalidLayoutException($"Stripe shape k={DataShards}, m={ParityShards} exceeds what a manifest can describe (k up to {ManifestLimits.MaxDataShards}, m up to {ManifestLimits.MaxParityShards}).");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(StripesInFlight, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(StripesInFlight, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(Parallelism, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Parallelism, 64);
    }
}
