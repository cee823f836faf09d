namespace DataMesh.Storage.Tests.TestSupport;

internal static class TestData
{
    /// <summary>Deterministic pseudo-random bytes, so failures reproduce.</summary>
    public static byte[] Bytes(int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }
}
