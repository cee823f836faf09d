namespace DataMesh.Storage.Erasure;

/// <summary>
/// The instruction set used for the GF(2^8) multiply-accumulate loops of <see cref="ReedSolomon"/>.
/// Every kernel produces bit-identical output; they differ only in speed.
/// </summary>
public enum GaloisKernel
{
    /// <summary>The fastest kernel the current CPU supports.</summary>
    Auto = 0,

    /// <summary>Portable table lookups, one byte at a time. Works everywhere.</summary>
    Scalar = 1,

    /// <summary>128-bit split-nibble multiply with PSHUFB (SSSE3).</summary>
    Ssse3 = 2,

    /// <summary>256-bit split-nibble multiply with VPSHUFB (AVX2).</summary>
    Avx2 = 3,

    /// <summary>512-bit split-nibble multiply with VPSHUFB (AVX-512 BW).</summary>
    Avx512 = 4,

    /// <summary>512-bit GF2P8AFFINEQB (GFNI with AVX-512): one instruction per coefficient and vector.</summary>
    Gfni = 5,
}
