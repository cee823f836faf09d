using DataMesh.Storage.Keys;
using DataMesh.Storage.Pipeline;
using DataMesh.Storage.Tests.TestSupport;

namespace DataMesh.Storage.Tests.Pipeline;

/// <summary>Identities are slow-ish to generate (key pairs); one set serves every pipeline test.</summary>
public sealed class PipelineFixture : IDisposable
{
    public UserIdentity Owner { get; } = UserIdentity.Generate();
    public UserIdentity Friend { get; } = UserIdentity.Generate();
    public UserIdentity Stranger { get; } = UserIdentity.Generate();

    internal EncodeOptions Options(int k = 3, int m = 2) => new()
    {
        Owner = Owner,
        Name = "test.bin",
        Tags = ["t"],
        ChunkSize = Storage.Chunking.ChunkSizes.Min,
        DataShards = k,
        ParityShards = m,
        Recipients = [Friend.PublicIdentity],
    };

    internal static byte[] Data(int length) => TestData.Bytes(length, length);

    public void Dispose()
    {
        Owner.Dispose();
        Friend.Dispose();
        Stranger.Dispose();
    }
}
