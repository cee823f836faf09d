using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DataMesh.Storage.Erasure;

/// <summary>
/// Split-nibble GF(2^8) multiply-accumulate, 64 bytes per step (Avx512BW). For every input vector x and coefficient c:
/// c*x = shuffle(low_c, x &amp; 0x0F) ^ shuffle(high_c, x &gt;&gt; 4), and up to four outputs accumulate in registers
/// while each input vector is loaded once.
/// </summary>
internal static unsafe class Avx512Kernel
{
    public const int VectorBytes = 64;

    public static bool IsSupported => Avx512BW.IsSupported;

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
        nint rowStride = (nint)inputCount * CodingPlan.TableBytesPerCoefficient;
        byte* tables = plan.TablesFor(firstOutput);
        byte* out0 = outputs[firstOutput];
        byte* out1 = TGroup.Count > 1 ? outputs[firstOutput + 1] : null;
        byte* out2 = TGroup.Count > 2 ? outputs[firstOutput + 2] : null;
        byte* out3 = TGroup.Count > 3 ? outputs[firstOutput + 3] : null;
        Vector512<byte> mask = Vector512.Create((byte)0x0F);

        for (nint pos = start; pos < end; pos += VectorBytes)
        {
            Vector512<byte> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
            byte* t = tables;
            for (int i = 0; i < inputCount; i++, t += CodingPlan.TableBytesPerCoefficient)
            {
                Vector512<byte> x = Avx512F.LoadVector512(inputs[i] + pos);
                Vector512<byte> lo = x & mask;
                Vector512<byte> hi = Avx512BW.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & mask;
                acc0 ^= Multiply(t, lo, hi);
                if (TGroup.Count > 1)
                {
                    byte* t1 = t + rowStride;
                    acc1 ^= Multiply(t1, lo, hi);
                }

                if (TGroup.Count > 2)
                {
                    byte* t2 = t + (2 * rowStride);
                    acc2 ^= Multiply(t2, lo, hi);
                }

                if (TGroup.Count > 3)
                {
                    byte* t3 = t + (3 * rowStride);
                    acc3 ^= Multiply(t3, lo, hi);
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

    /// <summary>c*x for every byte lane, from the coefficient's two nibble tables and x split into nibbles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Multiply(byte* tables, Vector512<byte> lo, Vector512<byte> hi) =>
        Avx512BW.Shuffle(Avx512F.BroadcastVector128ToVector512((uint*)tables).AsByte(), lo) ^ Avx512BW.Shuffle(Avx512F.BroadcastVector128ToVector512((uint*)(tables + 16)).AsByte(), hi);
}
