using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DataMesh.Storage.Erasure;

/// <summary>
/// One linear map "outputs = coefficients x inputs" ready for the kernels: the coefficient matrix plus, per
/// coefficient, its two 16-byte split-nibble tables (low then high, 32 bytes) and its 8x8 GF(2) bit matrix for
/// GFNI, in pinned arrays so the SIMD kernels can broadcast them straight from memory. Also records which shard each input and output is.
/// </summary>
internal sealed unsafe class CodingPlan
{
    public const int TableBytesPerCoefficient = 32;

    private readonly byte[] _coefficients;
    private readonly byte[] _nibbleTables;
    private readonly ulong[] _affineMatrices;

    public CodingPlan(GaloisMatrix coefficients, int[] inputShards, int[] outputShards)
    {
        if (coefficients.Columns != inputShards.Length || coefficients.Rows != outputShards.Length)
        {
            throw new ArgumentException("The coefficient matrix does not match the input and output shard lists.", nameof(coefficients));
        }

        InputCount = coefficients.Columns;
        OutputCount = coefficients.Rows;
        InputShards = inputShards;
        OutputShards = outputShards;
        _coefficients = new byte[InputCount * OutputCount];
        _nibbleTables = GC.AllocateArray<byte>(InputCount * OutputCount * TableBytesPerCoefficient, pinned: true);
        _affineMatrices = GC.AllocateArray<ulong>(InputCount * OutputCount, pinned: true);

        for (int o = 0; o < OutputCount; o++)
        {
            for (int i = 0; i < InputCount; i++)
            {
                int index = (o * InputCount) + i;
                byte c = coefficients[o, i];
                _coefficients[index] = c;
                Span<byte> tables = _nibbleTables.AsSpan(index * TableBytesPerCoefficient, TableBytesPerCoefficient);
                GaloisField.WriteNibbleTables(c, tables[..16], tables[16..]);
                _affineMatrices[index] = GaloisField.AffineMatrix(c);
            }
        }
    }

    public int InputCount { get; }

    public int OutputCount { get; }

    /// <summary>Shard index (within the full k+m set) feeding each input column.</summary>
    public int[] InputShards { get; }

    /// <summary>Shard index (within the full k+m set) written by each output row.</summary>
    public int[] OutputShards { get; }

    public byte Coefficient(int output, int input) => _coefficients[(output * InputCount) + input];

    /// <summary>Tables of (output, 0); those of (output, i) follow at i * 32 and the next output at InputCount * 32.</summary>
    public byte* TablesFor(int output) =>
        (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_nibbleTables)) + (output * InputCount * TableBytesPerCoefficient);

    /// <summary>Affine bit matrix of (output, 0); that of (output, i) follows at i and the next output at InputCount.</summary>
    public ulong* AffineMatricesFor(int output) =>
        (ulong*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_affineMatrices)) + (output * InputCount);
}
