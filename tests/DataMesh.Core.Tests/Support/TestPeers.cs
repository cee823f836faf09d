using DataMesh.Libp2p.Identity;

namespace DataMesh.Core.Tests.Support;

internal static class TestPeers
{
    /// <summary>A distinct, valid peer id per <paramref name="n"/>: an identity multihash of an Ed25519 key protobuf.</summary>
    public static PeerId Create(int n)
    {
        var bytes = new byte[2 + 36];
        bytes[0] = 0x00; // identity multihash
        bytes[1] = 36;
        bytes[2] = 0x08; // KeyType = Ed25519
        bytes[3] = 0x01;
        bytes[4] = 0x12; // Data, 32 bytes
        bytes[5] = 0x20;
        BitConverter.TryWriteBytes(bytes.AsSpan(6), n);
        bytes[37] = 0x5A;
        return PeerId.FromBytes(bytes);
    }

    public static PeerId[] CreateMany(int count) => [.. Enumerable.Range(1, count).Select(Create)];
}
