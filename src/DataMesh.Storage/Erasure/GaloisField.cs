namespace DataMesh.Storage.Erasure;

/// <summary>
/// Arithmetic in GF(2^8) built on the primitive polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D), whose root
/// (the element 2) generates all 255 non-zero elements. Addition is XOR; multiplication goes through
/// log/exp tables, and a full 256x256 product table serves the byte-at-a-time kernels.
/// </summary>
internal static class GaloisField
{
    public const int Polynomial = 0x11D;
    public const int Order = 256;

    // Exp is doubled (510 entries) so Exp[Log[a] + Log[b]] needs no modulo.
    private static readonly byte[] ExpTable = BuildExp();
    private static readonly byte[] LogTable = BuildLog(ExpTable);

    /// <summary>Row <c>c</c> (256 bytes at offset c*256) holds c*x for every x.</summary>
    internal static readonly byte[] MulTable = BuildMulTable();

    public static byte Add(byte a, byte b) => (byte)(a ^ b);

    public static byte Mul(byte a, byte b) =>
        a == 0 || b == 0 ? (byte)0 : ExpTable[LogTable[a] + LogTable[b]];

    public static byte Inverse(byte a)
    {
        if (a == 0)
        {
            throw new DivideByZeroException("Zero has no multiplicative inverse in GF(2^8).");
        }

        return ExpTable[255 - LogTable[a]];
    }

    public static byte Div(byte a, byte b) => Mul(a, Inverse(b));

    /// <summary>a^n, with the convention 0^0 = 1 that Vandermonde rows rely on.</summary>
    public static byte Pow(byte a, int n)
    {
        if (n == 0)
        {
            return 1;
        }

        return a == 0 ? (byte)0 : ExpTable[LogTable[a] * n % 255];
    }

    /// <summary>
    /// Writes the two 16-entry split-nibble tables for coefficient <paramref name="c"/>:
    /// low[i] = c*i and high[i] = c*(i&lt;&lt;4), so c*x = low[x &amp; 15] ^ high[x &gt;&gt; 4] by distributivity.
    /// </summary>
    public static void WriteNibbleTables(byte c, Span<byte> low16, Span<byte> high16)
    {
        for (int i = 0; i < 16; i++)
        {
            low16[i] = Mul(c, (byte)i);
            high16[i] = Mul(c, (byte)(i << 4));
        }
    }

    /// <summary>
    /// The 8x8 GF(2) matrix of x -> c*x in the layout GF2P8AFFINEQB expects: output bit i is the parity of
    /// x AND (byte 7-i of the matrix), so byte 7-i has bit j set when c*(1&lt;&lt;j) has bit i set.
    /// </summary>
    public static ulong AffineMatrix(byte c)
    {
        ulong matrix = 0;
        for (int i = 0; i < 8; i++)
        {
            int row = 0;
            for (int j = 0; j < 8; j++)
            {
                row |= ((Mul(c, (byte)(1 << j)) >> i) & 1) << j;
            }

            matrix |= (ulong)row << (8 * (7 - i));
        }

        return matrix;
    }

    private static byte[] BuildExp()
    {
        var exp = new byte[510];
        int x = 1;
        for (int i = 0; i < 255; i++)
        {
            exp[i] = (byte)x;
            exp[i + 255] = (byte)x;
            x <<= 1;
            if (x >= Order)
            {
                x ^= Polynomial;
            }
        }

        return exp;
    }

    private static byte[] BuildLog(byte[] exp)
    {
        var log = new byte[Order];
        for (int i = 0; i < 255; i++)
        {
            log[exp[i]] = (byte)i;
        }

        return log;
    }

    private static byte[] BuildMulTable()
    {
        var table = GC.AllocateUninitializedArray<byte>(Order * Order, pinned: true);
        for (int a = 0; a < Order; a++)
        {
            for (int b = 0; b < Order; b++)
            {
                table[(a * Order) + b] = Mul((byte)a, (byte)b);
            }
        }

        return table;
    }
}
