using System.Numerics;
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

        Span<byte> work = stackalloc byte[m * m];
        int checkedCount = 0;
        for (uint rows = 1; rows < 1u << m; rows++)
        {
            int size = BitOperations.PopCount(rows);
            foreach (uint columns in SubsetsOfSize(k, size))
            {
                Fill(work, e, k, rows, columns, size);
                Assert.True(IsNonSingular(work[..(size * size)], size), $"rows {rows:b} columns {columns:b} of P are singular");
                checkedCount++;
            }
        }

        Assert.True(checkedCount > 0);
    }

    private static IEnumerable<uint> SubsetsOfSize(int n, int size)
    {
        if (size > n)
        {
            yield break;
        }

        // Gosper's hack: the next larger integer with the same number of set bits.
        uint mask = (1u << size) - 1;
        while (mask < 1u << n)
        {
            yield return mask;
            uint lowest = mask & (uint)-(int)mask;
            uint ripple = mask + lowest;
            mask = ((ripple ^ mask) >> 2) / lowest | ripple;
        }
    }

    private static void Fill(Span<byte> work, GaloisMatrix e, int k, uint rows, uint columns, int size)
    {
        int r = 0;
        for (int pr = 0; pr < 32 && r < size; pr++)
        {
            if ((rows & (1u << pr)) == 0)
            {
                continue;
            }

            int c = 0;
            for (int dc = 0; dc < k; dc++)
            {
                if ((columns & (1u << dc)) != 0)
                {
                    work[(r * size) + c++] = e[k + pr, dc];
                }
            }

            r++;
        }
    }

    private static bool IsNonSingular(Span<byte> a, int n)
    {
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            while (pivot < n && a[(pivot * n) + col] == 0)
            {
                pivot++;
            }

            if (pivot == n)
            {
                return false;
            }

            byte inv = GaloisField.Inverse(a[(pivot * n) + col]);
            for (int c = 0; c < n; c++)
            {
                (a[(col * n) + c], a[(pivot * n) + c]) = (a[(pivot * n) + c], a[(col * n) + c]);
            }

            for (int r = col + 1; r < n; r++)
            {
                byte factor = GaloisField.Mul(a[(r * n) + col], inv);
                if (factor == 0)
                {
                    continue;
                }

                for (int c = col; c < n; c++)
                {
                    a[(r * n) + c] ^= GaloisField.MulTable[(factor * 256) + a[(col * n) + c]];
                }
            }
        }

        return true;
    }
}
