using DataMesh.Storage.Erasure;

namespace DataMesh.Storage.Tests.Erasure;

public class ReedSolomonApiTests
{
    public static TheoryData<GaloisKernel> Kernels() => ErasureTestData.Kernels();

    [Fact]
    public void ScalarAndAtLeastOneVectorKernelAreAvailableAndAutoResolves()
    {
        Assert.Contains(GaloisKernel.Scalar, ErasureTestData.SupportedKernels);
        var codec = new ReedSolomon(8, 4);
        Assert.NotEqual(GaloisKernel.Auto, codec.Kernel);
        Assert.True(ReedSolomon.IsKernelSupported(codec.Kernel));
        Assert.Equal((8, 4, 12), (codec.DataShards, codec.ParityShards, codec.TotalShards));
    }

    [Theory]
    [InlineData(1, 1, 4097)]
    [InlineData(8, 4, 4097)]
    [InlineData(8, 4, 1)]
    [InlineData(16, 8, 40_001)]
    [InlineData(100, 27, 333)]
    public void EveryKernelProducesTheSameParityAsTheMatrixDefinition(int k, int m, int length)
    {
        byte[][] data = ErasureTestData.RandomShards(k, length, seed: k * m * length);
        GaloisMatrix e = ReedSolomon.BuildEncodingMatrix(k, k + m);

        // Parity straight from the definition: parity[p][x] = sum over d of E[k + p, d] * data[d][x].
        var expected = new byte[m][];
        for (int p = 0; p < m; p++)
        {
            expected[p] = new byte[length];
            for (int d = 0; d < k; d++)
            {
                byte c = e[k + p, d];
                for (int x = 0; x < length; x++)
                {
                    expected[p][x] ^= GaloisField.Mul(c, data[d][x]);
                }
            }
        }

        foreach (GaloisKernel kernel in ErasureTestData.SupportedKernels)
        {
            var codec = new ReedSolomon(k, m, kernel);
            byte[][] parity = Enumerable.Range(0, m).Select(_ => new byte[length]).ToArray();
            codec.EncodeParity(ErasureTestData.ReadOnly(data), ErasureTestData.Writable(parity));
            for (int p = 0; p < m; p++)
            {
                Assert.True(expected[p].AsSpan().SequenceEqual(parity[p]), $"{kernel} parity {p} differs");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void VerifyAcceptsIntactShardsAndDetectsAnyFlippedByte(GaloisKernel kernel)
    {
        const int length = KernelDispatcher.SliceBytes + 300;
        var codec = new ReedSolomon(8, 4, kernel);
        byte[][] shards = ErasureTestData.EncodedShards(codec, length, seed: 12);
        Assert.True(codec.Verify(ErasureTestData.ReadOnly(shards)));

        foreach (int shard in new[] { 0, 5, 7, 8, 11 })
        {
            foreach (int position in new[] { 0, 63, KernelDispatcher.SliceBytes + 5, length - 1 })
            {
                shards[shard][position] ^= 0x40;
                Assert.False(codec.Verify(ErasureTestData.ReadOnly(shards)), $"flip in shard {shard} at {position} went unnoticed");
                shards[shard][position] ^= 0x40;
            }
        }

        Assert.True(codec.Verify(ErasureTestData.ReadOnly(shards)));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    [InlineData(-3, 2)]
    [InlineData(200, 57)]
    public void OutOfRangeShardCountsAreRejected(int k, int m)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReedSolomon(k, m));
    }

    [Fact]
    public void TheWidestCodeWorksAndUnknownKernelsAreRejected()
    {
        var widest = new ReedSolomon(8, 248);
        Assert.Equal(ReedSolomon.MaxTotalShards, widest.TotalShards);
        byte[][] shards = ErasureTestData.EncodedShards(widest, 3, seed: 256);
        Assert.True(widest.Verify(ErasureTestData.ReadOnly(shards)));

        // Lose every data shard and half the parity; the last 124 parity shards (evaluation points up to 255) rebuild all.
        byte[][] work = ReconstructionPropertyTests.Damage(shards, 0);
        bool[] present = Enumerable.Range(0, 256).Select(i => i >= 132).ToArray();
        for (int i = 0; i < 132; i++)
        {
            Array.Fill(work[i], (byte)0xA5);
        }

        widest.Reconstruct(ErasureTestData.Writable(work), present);
        Assert.All(Enumerable.Range(0, 256), i => Assert.Equal(shards[i], work[i]));

        Assert.Throws<ArgumentOutOfRangeException>(() => new ReedSolomon(8, 4, (GaloisKernel)99));
        Assert.False(ReedSolomon.IsKernelSupported((GaloisKernel)99));
    }

    [Fact]
    public void FewerThanKShardsIsAStorageErrorNamingTheCounts()
    {
        var codec = new ReedSolomon(8, 4);
        byte[][] shards = ErasureTestData.EncodedShards(codec, 64, seed: 3);
        bool[] present = Enumerable.Range(0, 12).Select(i => i % 2 == 0 || i == 1).ToArray(); // 7 present

        var error = Assert.Throws<ErasureCodingException>(() => codec.Reconstruct(ErasureTestData.Writable(shards), present));
        Assert.IsAssignableFrom<StorageException>(error);
        Assert.Contains("7 of 12", error.Message, StringComparison.Ordinal);
        Assert.Contains("8 are needed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongCountsAndMismatchedLengthsAreArgumentErrors()
    {
        var codec = new ReedSolomon(4, 2);
        byte[][] data = ErasureTestData.RandomShards(4, 10, seed: 1);
        byte[][] parity = [new byte[10], new byte[10]];

        Assert.Throws<ArgumentException>(() => codec.EncodeParity(ErasureTestData.ReadOnly(data.AsSpan(0, 3)), ErasureTestData.Writable(parity)));
        Assert.Throws<ArgumentException>(() => codec.EncodeParity(ErasureTestData.ReadOnly(data), ErasureTestData.Writable(parity.AsSpan(0, 1))));
        Assert.Throws<ArgumentException>(() => codec.EncodeParity(ErasureTestData.ReadOnly(data), ErasureTestData.Writable([new byte[10], new byte[9]])));
        data[2] = new byte[11];
        Assert.Throws<ArgumentException>(() => codec.EncodeParity(ErasureTestData.ReadOnly(data), ErasureTestData.Writable(parity)));

        byte[][] shards = ErasureTestData.RandomShards(6, 10, seed: 2);
        bool[] present = [true, true, true, true, false, false];
        Assert.Throws<ArgumentException>(() => codec.Reconstruct(ErasureTestData.Writable(shards), present.AsSpan(0, 5)));
        Assert.Throws<ArgumentException>(() => codec.Reconstruct(ErasureTestData.Writable(shards.AsSpan(0, 5)), present.AsSpan(0, 5)));
        shards[5] = new byte[12];
        Assert.Throws<ArgumentException>(() => codec.Reconstruct(ErasureTestData.Writable(shards), present));
        Assert.Throws<ArgumentException>(() => codec.Verify(ErasureTestData.ReadOnly(shards)));
        Assert.Throws<ArgumentException>(() => codec.Verify(ErasureTestData.ReadOnly(shards.AsSpan(0, 4))));
    }

    [Fact]
    public void EmptyShardsAreANoOp()
    {
        var codec = new ReedSolomon(2, 1);
        Memory<byte>[] none = [Memory<byte>.Empty, Memory<byte>.Empty, Memory<byte>.Empty];
        codec.EncodeParity(new ReadOnlyMemory<byte>[] { ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty }, none.AsSpan(2));
        codec.Reconstruct(none, [true, false, true]);
        Assert.True(codec.Verify(new ReadOnlyMemory<byte>[3]));
    }
}
