using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DataMesh.Storage.Erasure;

/// <summary>
/// GF(2^8) multiply-accumulate with GFNI, 64 bytes per step. Multiplying by a constant c is linear over GF(2), so
/// it is an 8x8 bit matrix; GF2P8AFFINEQB applies such a matrix to every byte in one instruction, whatever the
/// field polynomial (GF2P8MULB would hard-wire 0x11B, not our 0x11D). Up to four outputs accumulate in registers
/// while each input vector is loaded once.
/// </summary>
internal static unsafe class GfniKernel
{
    public const int VectorBytes = 64;

    public static bool IsSupported => Gfni.V512.IsSupported;

    /// <summary>Outputs [firstOutput, firstOutput+count) over [start, end); end - start is a multiple of <see cref="VectorBytes"/>.</summary>
    public static void Apply(CodingPlan plan, byte** inputs, byte** outputs, int firstOutput, int count, nint start, nint end)
    {
        switch (count)
        {
            case 1: Group<OneOutput>(plan, inputs, outputs, firstOutput, start, end); break;
            case 2: Group<TwoOutputs>(plan, inputs, outputs, firstOutput, start, end); break;
            case 3: Group<ThreeOutputs>(plan, inputs, outputs, firstOutput, start, end); break;
            case 4: Group<FourOutputs>(plan, inputs, outputs, firstOutput, start, end); break;
            default: throw new ArgumentOutOfRangeException(nameof(count), count, "A kernel group holds one to four outputs.");
        }
    }

    private static void Group<TGroup>(CodingPlan plan, byte** inputs, byte** outputs, int firstOutput, nint start, nint end)
        where TGroup : struct, IOutputGroup
    {
        int inputCount = plan.InputCount;
        nint rowStride = inputCount;
        ulong* matrices = plan.AffineMatricesFor(firstOutput);
        byte* out0 = outputs[firstOutput];
        byte* out1 = TGroup.Count > 1 ? outputs[firstOutput + 1] : null;
        byte* out2 = TGroup.Count > 2 ? outputs[firstOutput + 2] : null;
        byte* out3 = TGroup.Count > 3 ? outputs[firstOutput + 3] : null;

        for (nint pos = start; pos < end; pos += VectorBytes)
        {
            Vector512<byte> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
            ulong* t = matrices;
            for (int i = 0; i < inputCount; i++, t++)
            {
                Vector512<byte> x = Avx512F.LoadVector512(inputs[i] + pos);
                acc0 ^= Multiply(t, x);
                if (TGroup.Count > 1)
                {
                    ulong* t1 = t + rowStride;
                    acc1 ^= Multiply(t1, x);
                }

                if (TGroup.Count > 2)
                {
                    ulong* t2 = t + (2 * rowStride);
                    acc2 ^= Multiply(t2, x);
                }

                if (TGroup.Count > 3)
                {
                    ulong* t3 = t + (3 * rowStride);
                    acc3 ^= Multiply(t3, x);
                }
            }

            Avx512F.Store(out0 + pos, acc0);
            if (TGroup.Count > 1)
            {
                Avx512F.Store(out1 + pos, acc1);
            }

            if (TGroup.Count > 2)
            {
                Avx512F.Store(out2 + pos, acc2);
            }

            if (TGroup.Count > 3)
            {
                Avx512F.Store(out3 + pos, acc3);
            }
        }
    }

    /// <summary>c*x for every byte lane, c given by its affine bit matrix.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Multiply(ulong* matrix, Vector512<byte> x) =>
        Gfni.V512.GaloisFieldAffineTransform(x, Vector512.Create(*matrix).AsByte(), 0);
}
