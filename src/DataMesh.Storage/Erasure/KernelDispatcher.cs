using System.Runtime.Intrinsics;
using Avx2Kernel = DataMesh.Storage.Erasure.SimdKernel<DataMesh.Storage.Erasure.Avx2Lanes,
    DataMesh.Storage.Erasure.Nibbles<DataMesh.Storage.Erasure.VectorPair256>, DataMesh.Storage.Erasure.VectorPair256>;
using Avx512Kernel = DataMesh.Storage.Erasure.SimdKernel<DataMesh.Storage.Erasure.Avx512Lanes,
    DataMesh.Storage.Erasure.Nibbles<System.Runtime.Intrinsics.Vector512<byte>>, System.Runtime.Intrinsics.Vector512<byte>>;
using GfniKernel = DataMesh.Storage.Erasure.SimdKernel<DataMesh.Storage.Erasure.GfniLanes,
    System.Runtime.Intrinsics.Vector512<byte>, System.Runtime.Intrinsics.Vector512<byte>>;
using Ssse3Kernel = DataMesh.Storage.Erasure.SimdKernel<DataMesh.Storage.Erasure.Ssse3Lanes,
    DataMesh.Storage.Erasure.Nibbles<System.Runtime.Intrinsics.Vector128<byte>>, System.Runtime.Intrinsics.Vector128<byte>>;

namespace DataMesh.Storage.Erasure;

/// <summary>
/// Picks the kernel for a CPU and runs a <see cref="CodingPlan"/> over whole shards: the shards are walked in
/// slices small enough that, while one group of up to four outputs is computed, the matching slices of all
/// inputs stay in L1/L2 for the next group. Whatever is left after the last full vector goes to the scalar kernel.
/// </summary>
internal static unsafe class KernelDispatcher
{
    /// <summary>Bytes of each shard processed per slice; a multiple of every vector width.</summary>
    public const int SliceBytes = 16 * 1024;

    public const int MaxOutputsPerGroup = 4;

    public static bool IsSupported(GaloisKernel kernel) => kernel switch
    {
        GaloisKernel.Auto or GaloisKernel.Scalar => true,
        GaloisKernel.Ssse3 => Ssse3Lanes.IsSupported,
        GaloisKernel.Avx2 => Avx2Lanes.IsSupported,
        GaloisKernel.Avx512 => Avx512Lanes.IsSupported,
        GaloisKernel.Gfni => GfniLanes.IsSupported,
        _ => false,
    };

    /// <summary>The fastest kernel available here; AVX-512 only where the runtime considers 512-bit vectors fast.</summary>
    public static GaloisKernel Best()
    {
        if (GfniLanes.IsSupported && Avx512Lanes.IsSupported && Vector512.IsHardwareAccelerated)
        {
            return GaloisKernel.Gfni;
        }

        if (Avx512Lanes.IsSupported && Vector512.IsHardwareAccelerated)
        {
            return GaloisKernel.Avx512;
        }

        if (Avx2Lanes.IsSupported)
        {
            return GaloisKernel.Avx2;
        }

        return Ssse3Lanes.IsSupported ? GaloisKernel.Ssse3 : GaloisKernel.Scalar;
    }

    /// <summary>outputs[o][0..length) = sum over i of coefficient(o, i) * inputs[i][0..length).</summary>
    public static void Run(GaloisKernel kernel, CodingPlan plan, byte** inputs, byte** outputs, nint length)
    {
        for (nint sliceStart = 0; sliceStart < length; sliceStart += SliceBytes)
        {
            nint sliceEnd = Math.Min(sliceStart + SliceBytes, length);
            for (int first = 0; first < plan.OutputCount; first += MaxOutputsPerGroup)
            {
                int count = Math.Min(MaxOutputsPerGroup, plan.OutputCount - first);
                RunGroup(kernel, plan, inputs, outputs, first, count, sliceStart, sliceEnd);
            }
        }
    }

    private static void RunGroup(GaloisKernel kernel, CodingPlan plan, byte** inputs, byte** outputs, int first, int count, nint start, nint end)
    {
        // Each wider kernel takes the whole vectors it can; narrower ones mop up, then the scalar tail.
        nint pos = start;
        if (kernel == GaloisKernel.Gfni)
        {
            nint stop = pos + ((end - pos) & ~(GfniLanes.StepBytes - 1));
            GfniKernel.Apply(plan, inputs, outputs, first, count, pos, stop);
            pos = stop;
        }

        if (kernel == GaloisKernel.Avx512)
        {
            nint stop = pos + ((end - pos) & ~(Avx512Lanes.StepBytes - 1));
            Avx512Kernel.Apply(plan, inputs, outputs, first, count, pos, stop);
            pos = stop;
        }

        if (kernel is GaloisKernel.Gfni or GaloisKernel.Avx512 or GaloisKernel.Avx2)
        {
            nint stop = pos + ((end - pos) & ~(Avx2Lanes.StepBytes - 1));
            Avx2Kernel.Apply(plan, inputs, outputs, first, count, pos, stop);
            pos = stop;
        }

        if (kernel is GaloisKernel.Gfni or GaloisKernel.Avx512 or GaloisKernel.Avx2 or GaloisKernel.Ssse3)
        {
            nint stop = pos + ((end - pos) & ~(Ssse3Lanes.StepBytes - 1));
            Ssse3Kernel.Apply(plan, inputs, outputs, first, count, pos, stop);
            pos = stop;
        }

        ScalarKernel.Apply(plan, inputs, outputs, first, count, pos, end);
    }
}
