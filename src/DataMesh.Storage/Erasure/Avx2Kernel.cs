using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DataMesh.Storage.Erasure;

/// <summary>
/// Split-nibble GF(2^8) multiply-accumulate, 64 bytes (two 256-bit vectors, so each table broadcast serves twice)
/// per step (Avx2). For every input vector x and coefficient c:
/// c*x = shuffle(low_c, x &amp; 0x0F) ^ shuffle(high_c, x &gt;&gt; 4), and up to four outputs accumulate in registers
/// while each input vector is loaded once.
/// </summary>
internal static unsafe class Avx2Kernel
{
    public const int VectorBytes = 64;

    public static bool IsSupported => Avx2.IsSupported;

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
        Vector256<byte> mask = Vector256.Create((byte)0x0F);

        for (nint pos = start; pos < end; pos += VectorBytes)
        {
            Vector256<byte> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector256<byte> b0 = default, b1 = default, b2 = default, b3 = default;
            byte* t = tables;
            for (int i = 0; i < inputCount; i++, t += CodingPlan.TableBytesPerCoefficient)
            {
                byte* input = inputs[i] + pos;
                Vector256<byte> x = Avx.LoadVector256(input);
                Vector256<byte> y = Avx.LoadVector256(input + 32);
                Vector256<byte> xl = x & mask, xh = Avx2.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & mask;
                Vector256<byte> yl = y & mask, yh = Avx2.ShiftRightLogical(y.AsUInt16(), 4).AsByte() & mask;
                (a0, b0) = MultiplyAdd(t, xl, xh, yl, yh, a0, b0);
                if (TGroup.Count > 1)
                {
                    (a1, b1) = MultiplyAdd(t + rowStride, xl, xh, yl, yh, a1, b1);
                }

                if (TGroup.Count > 2)
                {
                    (a2, b2) = MultiplyAdd(t + (2 * rowStride), xl, xh, yl, yh, a2, b2);
                }

                if (TGroup.Count > 3)
                {
                    (a3, b3) = MultiplyAdd(t + (3 * rowStride), xl, xh, yl, yh, a3, b3);
                }
            }

            Store(out0 + pos, a0, b0);
            if (TGroup.Count > 1)
            {
                Store(out1 + pos, a1, b1);
            }

            if (TGroup.Count > 2)
            {
                Store(out2 + pos, a2, b2);
            }

            if (TGroup.Count > 3)
            {
                Store(out3 + pos, a3, b3);
            }
        }
    }

    /// <summary>Adds c*x and c*y to the two accumulators, from the coefficient's nibble tables and the split inputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<byte> X, Vector256<byte> Y) MultiplyAdd(
        byte* tables, Vector256<byte> xl, Vector256<byte> xh, Vector256<byte> yl, Vector256<byte> yh, Vector256<byte> accX, Vector256<byte> accY)
    {
        Vector256<byte> low = Avx2.BroadcastVector128ToVector256(tables);
        Vector256<byte> high = Avx2.BroadcastVector128ToVector256(tables + 16);
        return (accX ^ Avx2.Shuffle(low, xl) ^ Avx2.Shuffle(high, xh), accY ^ Avx2.Shuffle(low, yl) ^ Avx2.Shuffle(high, yh));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(byte* destination, Vector256<byte> first, Vector256<byte> second)
    {
        Avx.Store(destination, first);
        Avx.Store(destination + 32, second);
    }
}
