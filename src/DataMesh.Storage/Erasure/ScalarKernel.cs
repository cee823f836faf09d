using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DataMesh.Storage.Erasure;

/// <summary>
/// Byte-at-a-time multiply-accumulate through the 64 KiB product table. Used on CPUs without SIMD, for the
/// tails the vector kernels leave, and as the reference the vector kernels must match.
/// </summary>
internal static unsafe class ScalarKernel
{
    /// <summary>Computes outputs [firstOutput, firstOutput+outputCount) over bytes [start, end) of every shard.</summary>
    public static void Apply(CodingPlan plan, byte** inputs, byte** outputs, int firstOutput, int outputCount, nint start, nint end)
    {
        nint length = end - start;
        if (length <= 0)
        {
            return;
        }

        byte* mulTable = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(GaloisField.MulTable));
        for (int o = firstOutput; o < firstOutput + outputCount; o++)
        {
            byte* dst = outputs[o] + start;
            for (int i = 0; i < plan.InputCount; i++)
            {
                byte c = plan.Coefficient(o, i);
                byte* src = inputs[i] + start;
                if (i == 0)
                {
                    Assign(dst, src, mulTable + (c * 256), c, length);
                }
                else
                {
                    Accumulate(dst, src, mulTable + (c * 256), c, length);
                }
            }
        }
    }

    private static void Assign(byte* dst, byte* src, byte* row, byte c, nint length)
    {
        if (c == 0)
        {
            new Span<byte>(dst, checked((int)length)).Clear();
        }
        else if (c == 1)
        {
            Buffer.MemoryCopy(src, dst, length, length);
        }
        else
        {
            for (nint j = 0; j < length; j++)
            {
                dst[j] = row[src[j]];
            }
        }
    }

    private static void Accumulate(byte* dst, byte* src, byte* row, byte c, nint length)
    {
        if (c == 0)
        {
            return;
        }

        nint j = 0;
        if (c == 1)
        {
            for (; j + 8 <= length; j += 8)
            {
                Unsafe.WriteUnaligned(dst + j, Unsafe.ReadUnaligned<ulong>(dst + j) ^ Unsafe.ReadUnaligned<ulong>(src + j));
            }

            for (; j < length; j++)
            {
                dst[j] ^= src[j];
            }

            return;
        }

        // Four independent lookups per step keep the load ports busy without changing the result.
        for (; j + 4 <= length; j += 4)
        {
            dst[j] ^= row[src[j]];
            dst[j + 1] ^= row[src[j + 1]];
            dst[j + 2] ^= row[src[j + 2]];
            dst[j + 3] ^= row[src[j + 3]];
        }

        for (; j < length; j++)
        {
            dst[j] ^= row[src[j]];
        }
    }
}
