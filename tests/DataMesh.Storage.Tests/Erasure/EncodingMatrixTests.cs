using DataMesh.Storage.Erasure;

namespace DataMesh.Storage.Tests.Erasure;

/// <summary>
/// Proves the maximum-distance-separable property of the coding matrix directly. For a systematic matrix [I; P]
/// a set of k rows made of k-s identity rows and s parity rows R has determinant equal (up to sign, which is 1 in
/// characteristic 2) to det P[R, C], where C are the s data columns not covered by the identity rows. So "any k
/// shards rebuild" is equivalent to "every square sub-matrix of P is non-singular", checked here exhaustively.
/// </summary>
public class EncodingMatrixTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(4, 2)]
    [InlineData(8, 4)]
    [InlineData(10, 4)]
    [InlineData(16, 8)]
    [InlineData(17, 3)]
    public void TopRowsAreIdentityAndEverySquareParitySubmatrixIsInvertible(int k, int m)
    {
        GaloisMatrix e = ReedSolomon.BuildEncodingMatrix(k, k + m);
        for (int r = 0; r < k; r++)
        {
            for (int c = 0; c < k; c++)
            {
                Assert.Equal(r == c ? 1 : 0, e[r, c]);
            }
        }

        long squareSubmatrices = 0;
        for (uint rowMask = 1; rowMask < 1u << m; rowMask++)
        {
            int[] rows = Enumerable.Range(0, m).Where(r => (rowMask & (1u << r)) != 0).Select(r => k + r).ToArray();
            var search = new IndependentColumnSearch(e, rows, k);
            search.Run(firstColumn: 0, depth: 0);
            squareSubmatrices += search.FullSets;
        }

        long expected = Enumerable.Range(1, m).Sum(size => Choose(m, size) * Choose(k, size));
        Assert.Equal(expected, squareSubmatrices);
    }

    private static long Choose(int n, int r)
    {
        long result = 1;
        for (int i = 1; i <= r; i++)
        {
            result = result * (n - r + i) / i;
        }

        return result;
    }

    /// <summary>
    /// Walks every set of |rows| columns of P[rows, :] in lexicographic order, extending a Gaussian-eliminated
    /// basis one column at a time so that sets sharing a prefix share its elimination work. A column that reduces
    /// to zero means a singular square sub-matrix and fails the test; otherwise FullSets counts the sets checked.
    /// </summary>
    private sealed class IndependentColumnSearch(GaloisMatrix e, int[] rows, int columns)
    {
        private readonly int _size = rows.Length;
        private readonly byte[][] _basis = Enumerable.Range(0, rows.Length).Select(_ => new byte[rows.Length]).ToArray();
        private readonly int[] _pivot = new int[rows.Length];

        public long FullSets { get; private set; }

        public void Run(int firstColumn, int depth)
        {
            if (depth == _size)
            {
                FullSets++;
                return;
            }

            for (int column = firstColumn; column <= columns - (_size - depth); column++)
            {
                byte[] v = _basis[depth];
                for (int r = 0; r < _size; r++)
                {
                    v[r] = e[rows[r], column];
                }

                for (int t = 0; t < depth; t++)
                {
                    byte factor = v[_pivot[t]];
                    if (factor != 0)
                    {
                        for (int r = 0; r < _size; r++)
                        {
                            v[r] ^= GaloisField.MulTable[(factor * 256) + _basis[t][r]];
                        }
                    }
                }

                int pivot = Array.FindIndex(v, b => b != 0);
                Assert.True(pivot >= 0, $"rows [{string.Join(',', rows)}] have a singular square sub-matrix ending at column {column}");
                byte inverse = GaloisField.Inverse(v[pivot]);
                for (int r = 0; r < _size; r++)
                {
                    v[r] = GaloisField.MulTable[(inverse * 256) + v[r]];
                }

                _pivot[depth] = pivot;
                Run(column + 1, depth + 1);
            }
        }
    }
}
