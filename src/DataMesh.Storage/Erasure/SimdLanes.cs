using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DataMesh.Storage.Erasure;

/// <summary>An input step split into nibbles once, then shared by every output's table lookups.</summary>
internal readonly struct Nibbles<TVector>(TVector low, TVector high)
    where TVector : struct
{
    public readonly TVector Low = low;
    public readonly TVector High = high;
}

/// <summary>Two 256-bit vectors handled as one step, so each table broadcast serves twice.</summary>
internal readonly struct VectorPair256(Vector256<byte> first, Vector256<byte> second)
{
    public readonly Vector256<byte> First = first;
    public readonly Vector256<byte> Second = second;
}

/// <summary>
/// Split-nibble multiply (SSSE3), 16 bytes per step: c*x = shuffle(low_c, x &amp; 0x0F) ^ shuffle(high_c, x &gt;&gt; 4),
/// with the two 16-entry tables of every coefficient pre-computed in the <see cref="CodingPlan"/>.
/// </summary>
internal readonly unsafe struct Ssse3Lanes : ISimdLanes<Nibbles<Vector128<byte>>, Vector128<byte>>
{
    public static int StepBytes => 16;
    public static bool IsSupported => Ssse3.IsSupported;
    public static int CoefficientBytes => CodingPlan.TableBytesPerCoefficient;
    public static byte* CoefficientsFor(CodingPlan plan, int output) => plan.TablesFor(output);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Nibbles<Vector128<byte>> Load(byte* source)
    {
        Vector128<byte> x = Sse2.LoadVector128(source);
        Vector128<byte> mask = Vector128.Create((byte)0x0F);
        return new(x & mask, Sse2.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & mask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> MultiplyAdd(byte* coefficient, in Nibbles<Vector128<byte>> x, Vector128<byte> accumulator) =>
        accumulator ^ Ssse3.Shuffle(Sse2.LoadVector128(coefficient), x.Low) ^ Ssse3.Shuffle(Sse2.LoadVector128(coefficient + 16), x.High);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* destination, Vector128<byte> value) => Sse2.Store(destination, value);
}

/// <summary>Split-nibble multiply (AVX2), 64 bytes per step as two 256-bit vectors sharing each table broadcast.</summary>
internal readonly unsafe struct Avx2Lanes : ISimdLanes<Nibbles<VectorPair256>, VectorPair256>
{
    public static int StepBytes => 64;
    public static bool IsSupported => Avx2.IsSupported;
    public static int CoefficientBytes => CodingPlan.TableBytesPerCoefficient;
    public static byte* CoefficientsFor(CodingPlan plan, int output) => plan.TablesFor(output);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Nibbles<VectorPair256> Load(byte* source)
    {
        Vector256<byte> mask = Vector256.Create((byte)0x0F);
        Vector256<byte> x = Avx.LoadVector256(source);
        Vector256<byte> y = Avx.LoadVector256(source + 32);
        return new(
            new(x & mask, y & mask),
            new(Avx2.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & mask, Avx2.ShiftRightLogical(y.AsUInt16(), 4).AsByte() & mask));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorPair256 MultiplyAdd(byte* coefficient, in Nibbles<VectorPair256> x, VectorPair256 accumulator)
    {
        Vector256<byte> low = Avx2.BroadcastVector128ToVector256(coefficient);
        Vector256<byte> high = Avx2.BroadcastVector128ToVector256(coefficient + 16);
        return new(
            accumulator.First ^ Avx2.Shuffle(low, x.Low.First) ^ Avx2.Shuffle(high, x.High.First),
            accumulator.Second ^ Avx2.Shuffle(low, x.Low.Second) ^ Avx2.Shuffle(high, x.High.Second));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* destination, VectorPair256 value)
    {
        Avx.Store(destination, value.First);
        Avx.Store(destination + 32, value.Second);
    }
}

/// <summary>Split-nibble multiply (AVX-512BW), 64 bytes per step.</summary>
internal readonly unsafe struct Avx512Lanes : ISimdLanes<Nibbles<Vector512<byte>>, Vector512<byte>>
{
    public static int StepBytes => 64;
    public static bool IsSupported => Avx512BW.IsSupported;
    public static int CoefficientBytes => CodingPlan.TableBytesPerCoefficient;
    public static byte* CoefficientsFor(CodingPlan plan, int output) => plan.TablesFor(output);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Nibbles<Vector512<byte>> Load(byte* source)
    {
        Vector512<byte> x = Avx512F.LoadVector512(source);
        Vector512<byte> mask = Vector512.Create((byte)0x0F);
        return new(x & mask, Avx512BW.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & mask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> MultiplyAdd(byte* coefficient, in Nibbles<Vector512<byte>> x, Vector512<byte> accumulator) =>
        accumulator
        ^ Avx512BW.Shuffle(Avx512F.BroadcastVector128ToVector512((uint*)coefficient).AsByte(), x.Low)
        ^ Avx512BW.Shuffle(Avx512F.BroadcastVector128ToVector512((uint*)(coefficient + 16)).AsByte(), x.High);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* destination, Vector512<byte> value) => Avx512F.Store(destination, value);
}

/// <summary>
/// GFNI, 64 bytes per step. Multiplying by a constant c is linear over GF(2), so it is an 8x8 bit matrix;
/// GF2P8AFFINEQB applies such a matrix to every byte in one instruction, whatever the field polynomial
/// (GF2P8MULB would hard-wire 0x11B, not our 0x11D). The input needs no pre-processing.
/// </summary>
internal readonly unsafe struct GfniLanes : ISimdLanes<Vector512<byte>, Vector512<byte>>
{
    public static int StepBytes => 64;
    public static bool IsSupported => Gfni.V512.IsSupported;
    public static int CoefficientBytes => sizeof(ulong);
    public static byte* CoefficientsFor(CodingPlan plan, int output) => (byte*)plan.AffineMatricesFor(output);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Load(byte* source) => Avx512F.LoadVector512(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> MultiplyAdd(byte* coefficient, in Vector512<byte> x, Vector512<byte> accumulator) =>
        accumulator ^ Gfni.V512.GaloisFieldAffineTransform(x, Vector512.Create(*(ulong*)coefficient).AsByte(), 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* destination, Vector512<byte> value) => Avx512F.Store(destination, value);
}
