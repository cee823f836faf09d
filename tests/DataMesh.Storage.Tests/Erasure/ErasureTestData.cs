using System.Numerics;
using DataMesh.Storage.Erasure;

namespace DataMesh.Storage.Tests.Erasure;

/// <summary>Shared fixtures: the kernels this CPU runs, seeded random shards, and erasure-pattern enumeration.</summary>
internal static class ErasureTestData
{
    public static IEnumerable<GaloisKernel> SupportedKernels =>
        Enum.GetValues<GaloisKernel>().Where(k => k != GaloisKernel.Auto && ReedSolomon.IsKernelSupported(k));

    public static TheoryData<GaloisKernel> Kernels()
    {
        var data = new TheoryData<GaloisKernel>();
        foreach (GaloisKernel kernel in SupportedKernels)
        {
            data.Add(kernel);
        }

        return data;
    }

    public static byte[][] RandomShards(int count, int length, int seed)
    {
        var random = new Random(seed);
        var shards = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            shards[i] = new byte[length];
            random.NextBytes(shards[i]);
        }

        return shards;
    }

    /// <summary>k data shards of random bytes followed by m parity shards computed by <paramref name="codec"/>.</summary>
    public static byte[][] EncodedShards(ReedSolomon codec, int length, int seed)
    {
        byte[][] data = RandomShards(codec.DataShards, length, seed);
        var all = data.Concat(Enumerable.Range(0, codec.ParityShards).Select(_ => new byte[length])).ToArray();
        codec.EncodeParity(ReadOnly(all.AsSpan(0, codec.DataShards)), Writable(all.AsSpan(codec.DataShards)));
        return all;
    }

    public static ReadOnlyMemory<byte>[] ReadOnly(ReadOnlySpan<byte[]> shards)
    {
        var result = new ReadOnlyMemory<byte>[shards.Length];
        for (int i = 0; i < shards.Length; i++)
        {
            result[i] = shards[i];
        }

        return result;
    }

    public static Memory<byte>[] Writable(ReadOnlySpan<byte[]> shards)
    {
        var result = new Memory<byte>[shards.Length];
        for (int i = 0; i < shards.Length; i++)
        {
            result[i] = shards[i];
        }

        return result;
    }

    /// <summary>Every bit mask over <paramref name="total"/> shards with at most <paramref name="maxLost"/> bits set (set = lost).</summary>
    public static IEnumerable<uint> LossPatterns(int total, int maxLost)
    {
        for (uint mask = 0; mask < 1u << total; mask++)
        {
            if (BitOperations.PopCount(mask) <= maxLost)
            {
                yield return mask;
            }
        }
    }

    /// <summary>A random mask over <paramref name="total"/> shards with exactly <paramref name="lost"/> bits set.</summary>
    public static uint RandomLoss(Random random, int total, int lost)
    {
        uint mask = 0;
        while (BitOperations.PopCount(mask) < lost)
        {
            mask |= 1u << random.Next(total);
        }

        return mask;
    }
}
