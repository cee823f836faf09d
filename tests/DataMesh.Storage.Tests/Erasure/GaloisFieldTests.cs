using System.Numerics;
using DataMesh.Storage.Erasure;

namespace DataMesh.Storage.Tests.Erasure;

public class GaloisFieldTests
{
    // Carry-less shift-and-add multiply reduced by 0x11D: an independent definition of the field product.
    private static byte ReferenceMul(int a, int b)
    {
        int product = 0;
        for (int bit = 0; bit < 8; bit++)
        {
            if ((b & (1 << bit)) != 0)
            {
                product ^= a << bit;
            }
        }

        for (int bit = 14; bit >= 8; bit--)
        {
            if ((product & (1 << bit)) != 0)
            {
                product ^= GaloisField.Polynomial << (bit - 8);
            }
        }

        return (byte)product;
    }

    [Fact]
    public void LogExpAndProductTableAgreeWithCarrylessMultiplication()
    {
        for (int a = 0; a < 256; a++)
        {
            for (int b = 0; b < 256; b++)
            {
                byte expected = ReferenceMul(a, b);
                Assert.Equal(expected, GaloisField.Mul((byte)a, (byte)b));
                Assert.Equal(expected, GaloisField.MulTable[(a * 256) + b]);
            }
        }
    }

    [Fact]
    public void TwoGeneratesEveryNonZeroElement()
    {
        var seen = new HashSet<byte>();
        for (int n = 0; n < 255; n++)
        {
            Assert.True(seen.Add(GaloisField.Pow(2, n)));
        }

        Assert.DoesNotContain((byte)0, seen);
        Assert.Equal(1, GaloisField.Pow(2, 255));
    }

    [Fact]
    public void EveryNonZeroElementHasAnInverse()
    {
        for (int a = 1; a < 256; a++)
        {
            Assert.Equal(1, GaloisField.Mul((byte)a, GaloisField.Inverse((byte)a)));
            Assert.Equal((byte)a, GaloisField.Div(GaloisField.Mul((byte)a, 7), 7));
        }

        Assert.Throws<DivideByZeroException>(() => GaloisField.Inverse(0));
    }

    [Fact]
    public void NibbleTablesRebuildEveryProduct()
    {
        Span<byte> low = stackalloc byte[16];
        Span<byte> high = stackalloc byte[16];
        for (int c = 0; c < 256; c++)
        {
            GaloisField.WriteNibbleTables((byte)c, low, high);
            for (int x = 0; x < 256; x++)
            {
                Assert.Equal(GaloisField.Mul((byte)c, (byte)x), (byte)(low[x & 15] ^ high[x >> 4]));
            }
        }
    }

    [Fact]
    public void AffineMatricesReproduceEveryProductUnderTheGf2p8affineqbDefinition()
    {
        for (int c = 0; c < 256; c++)
        {
            ulong matrix = GaloisField.AffineMatrix((byte)c);
            for (int x = 0; x < 256; x++)
            {
                // Intel SDM: result bit i = parity(matrix.byte[7 - i] AND x).
                int result = 0;
                for (int i = 0; i < 8; i++)
                {
                    int row = (int)(matrix >> (8 * (7 - i))) & 0xFF;
                    result |= (BitOperations.PopCount((uint)(row & x)) & 1) << i;
                }

                Assert.Equal(GaloisField.Mul((byte)c, (byte)x), (byte)result);
            }
        }
    }

    [Fact]
    public void MatrixTimesItsInverseIsIdentityAndSingularMatricesAreRejected()
    {
        GaloisMatrix v = GaloisMatrix.Vandermonde(6, 6);
        GaloisMatrix product = v.Multiply(v.Invert());
        for (int r = 0; r < 6; r++)
        {
            for (int c = 0; c < 6; c++)
            {
                Assert.Equal(r == c ? 1 : 0, product[r, c]);
            }
        }

        var singular = new GaloisMatrix(2, 2);
        singular[0, 0] = 3;
        singular[0, 1] = 5;
        singular[1, 0] = GaloisField.Mul(3, 9);
        singular[1, 1] = GaloisField.Mul(5, 9);
        Assert.Throws<ErasureCodingException>(() => singular.Invert());
    }
}
