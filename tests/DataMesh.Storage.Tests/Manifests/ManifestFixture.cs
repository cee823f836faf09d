using System.Collections.Immutable;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Keys;
using DataMesh.Storage.Manifests;

namespace DataMesh.Storage.Tests.Manifests;

/// <summary>An owner, two recipients, a file key and a small valid manifest (4 chunks of 4 KiB-ish in 2 stripes of 2+1).</summary>
internal sealed class ManifestFixture : IDisposable
{
    public const int ChunkSize = 4096;
    public const long PlaintextSize = 3 * ChunkSize + 100;

    public UserIdentity Owner { get; } = UserIdentity.Generate();
    public UserIdentity Alice { get; } = UserIdentity.Generate();
    public UserIdentity Bob { get; } = UserIdentity.Generate();
    public FileKey FileKey { get; } = FileKey.Generate();
    public FileId FileId { get; } = FileId.Generate();
    public FileMetadata Metadata { get; } = new("quarterly report.pdf", ["finance", "2026", "ünïcödé"]);
    public Manifest Manifest { get; }

    public ManifestFixture()
    {
        var random = new Random(42);
        var stripes = Enumerable.Range(0, 2).Select(_ => new ManifestStripe(
            ChunkCipher.SealedLength(ChunkSize),
            Enumerable.Range(0, 3).Select(_ =>
            {
                var bytes = new byte[64];
                random.NextBytes(bytes);
                return ContentHash.Compute(bytes);
            }).ToImmutableArray())).ToArray();
        Manifest = Manifest.Create(FileId, FileKey, Metadata, Owner.PublicIdentity, [Alice.PublicIdentity, Bob.PublicIdentity, Owner.PublicIdentity],
            PlaintextSize, ContentHash.Compute("plaintext"u8), ChunkSize, dataShards: 2, parityShards: 1, stripes,
            new DateTimeOffset(2026, 11, 27, 5, 0, 0, 123, TimeSpan.Zero));
    }

    public byte[] Encode() => ManifestCodec.Encode(Manifest, Owner);

    public void Dispose()
    {
        Owner.Dispose();
        Alice.Dispose();
        Bob.Dispose();
        FileKey.Dispose();
    }
}
