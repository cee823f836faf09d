using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DataMesh.Storage.Erasure;

/// <summary>
/// Split-nibble GF(2^8) multiply-accumulate, 16 bytes per step (Ssse3). For every input vector x and coefficient c:
/// c*x = shuffle(low_c, x &amp; 0x0F) ^ shuffle(high_c, x &gt;&gt; 4), and up to four outputs accumulate in registers
/// while each input vector is loaded once.
/// </summary>
internal static unsafe class Ssse3Kernel
{
    public const int VectorBytes = 16;

    public static bool IsSupported => Ssse3.IsSupported;

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
        Vector128<byte> mask = Vector128.Create((byte)0x0F);

        for (nint pos = start; pos < end; pos += VectorBytes)
        {
            Vector128<byte> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
            byte* t = tables;
            for (int i = 0; i < inputCount; i++, t += CodingPlan.TableBytesPerCoefficient)
            {
                Vector128<byte> x = Sse2.LoadVector128(inputs[i] + pos);
                Vector128<byte> lo = x & mask;
                Vector128<byte> hi = Sse2.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & mask;
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

            Sse2.Store(out0 + pos, acc0);
            if (TGroup.Count > 1)
            {
                Sse2.Store(out1 + pos, acc1);
            }

            if (TGroup.Count > 2)
            {
                Sse2.Store(out2 + pos, acc2);
            }

            if (TGroup.Count > 3)
            {
                Sse2.Store(out3 + pos, acc3);
            }
        }
    }

    /// <summary>c*x for every byte lane, from the coefficient's two nibble tables and x split into nibbles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Multiply(byte* tables, Vector128<byte> lo, Vector128<byte> hi) =>
        Ssse3.Shuffle(Sse2.LoadVector128(tables), lo) ^ Ssse3.Shuffle(Sse2.LoadVector128(tables + 16), hi);
}
