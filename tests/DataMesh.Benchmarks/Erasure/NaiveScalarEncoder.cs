using DataMesh.Storage.Erasure;

namespace DataMesh.Benchmarks.Erasure;

/// <summary>
/// The honest baseline: textbook Reed-Solomon parity with the same coding matrix, one byte at a time through the
/// 64 KiB GF(2^8) product table, parity[p][x] ^= mul(E[k+p, d], data[d][x]), with no blocking, no unrolling, no
/// special cases for 0 or 1 and ordinary bounds-checked spans. It is what a straightforward implementation does
/// and is the denominator of the "ratio vs scalar baseline" figures.
/// </summary>
internal sealed class NaiveScalarEncoder
{
    private readonly int _dataShards;
    private readonly int _parityShards;
    private readonly byte[] _coefficients;

    public NaiveScalarEncoder(int dataShards, int parityShards)
    {
        _dataShards = dataShards;
        _parityShards = parityShards;
        GaloisMatrix e = ReedSolomon.BuildEncodingMatrix(dataShards, dataShards + parityShards);
        _coefficients = new byte[parityShards * dataShards];
        for (int p = 0; p < parityShards; p++)
        {
            for (int d = 0; d < dataShards; d++)
            {
                _coefficients[(p * dataShards) + d] = e[dataShards + p, d];
            }
        }
    }

    public void EncodeParity(byte[][] data, byte[][] parity)
    {
        ReadOnlySpan<byte> mul = GaloisField.MulTable;
        for (int p = 0; p < _parityShards; p++)
        {
            Span<byte> output = parity[p];
            output.Clear();
            for (int d = 0; d < _dataShards; d++)
            {
                ReadOnlySpan<byte> row = mul.Slice(_coefficients[(p * _dataShards) + d] * 256, 256);
                ReadOnlySpan<byte> input = data[d];
                for (int x = 0; x < output.Length; x++)
                {
                    output[x] ^= row[input[x]];
                }
            }
        }
    }
}
