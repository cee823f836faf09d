namespace DataMesh.Storage.Erasure;

/// <summary>A dense row-major matrix over GF(2^8), just big enough for building and inverting coding matrices.</summary>
internal sealed class GaloisMatrix
{
    private readonly byte[] _cells;

    public GaloisMatrix(int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        Rows = rows;
        Columns = columns;
        _cells = new byte[rows * columns];
    }

    public int Rows { get; }

    public int Columns { get; }

    public byte this[int row, int column]
    {
        get => _cells[(row * Columns) + column];
        set => _cells[(row * Columns) + column] = value;
    }

    public ReadOnlySpan<byte> Row(int row) => _cells.AsSpan(row * Columns, Columns);

    public static GaloisMatrix Identity(int size)
    {
        var m = new GaloisMatrix(size, size);
        for (int i = 0; i < size; i++)
        {
            m[i, i] = 1;
        }

        return m;
    }

    /// <summary>
    /// V[r, c] = r^c over distinct evaluation points r = 0..rows-1. Any <paramref name="columns"/> of its rows form
    /// a square Vandermonde matrix with distinct points, whose determinant (the product of their pairwise
    /// differences) is non-zero, so every such selection is invertible.
    /// </summary>
    public static GaloisMatrix Vandermonde(int rows, int columns)
    {
        if (rows > GaloisField.Order)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "GF(2^8) has only 256 distinct evaluation points.");
        }

        var m = new GaloisMatrix(rows, columns);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                m[r, c] = GaloisField.Pow((byte)r, c);
            }
        }

        return m;
    }

    public GaloisMatrix Multiply(GaloisMatrix right)
    {
        if (Columns != right.Rows)
        {
            throw new ArgumentException($"Cannot multiply a {Rows}x{Columns} matrix by a {right.Rows}x{right.Columns} matrix.", nameof(right));
        }

        var result = new GaloisMatrix(Rows, right.Columns);
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 0; c < right.Columns; c++)
            {
                byte sum = 0;
                for (int i = 0; i < Columns; i++)
                {
                    sum ^= GaloisField.Mul(this[r, i], right[i, c]);
                }

                result[r, c] = sum;
            }
        }

        return result;
    }

    /// <summary>A new matrix made of the given rows of this one, in the given order.</summary>
    public GaloisMatrix SelectRows(ReadOnlySpan<int> rows)
    {
        var result = new GaloisMatrix(rows.Length, Columns);
        for (int i = 0; i < rows.Length; i++)
        {
            Row(rows[i]).CopyTo(result._cells.AsSpan(i * Columns, Columns));
        }

        return result;
    }

    /// <summary>Gauss-Jordan elimination on [this | I]. Throws <see cref="ErasureCodingException"/> if singular.</summary>
    public GaloisMatrix Invert()
    {
        if (Rows != Columns)
        {
            throw new InvalidOperationException($"Only square matrices can be inverted; this one is {Rows}x{Columns}.");
        }

        int n = Rows;
        var work = new GaloisMatrix(n, n);
        _cells.CopyTo(work._cells, 0);
        var inverse = Identity(n);

        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            while (pivot < n && work[pivot, col] == 0)
            {
                pivot++;
            }

            if (pivot == n)
            {
                throw new ErasureCodingException("The coding sub-matrix is singular; the selected shards cannot rebuild the data.");
            }

            if (pivot != col)
            {
                work.SwapRows(pivot, col);
                inverse.SwapRows(pivot, col);
            }

            byte scale = GaloisField.Inverse(work[col, col]);
            work.ScaleRow(col, scale);
            inverse.ScaleRow(col, scale);

            for (int r = 0; r < n; r++)
            {
                byte factor = work[r, col];
                if (r != col && factor != 0)
                {
                    work.AddScaledRow(r, col, factor);
                    inverse.AddScaledRow(r, col, factor);
                }
            }
        }

        return inverse;
    }

    private void SwapRows(int a, int b)
    {
        Span<byte> rowA = _cells.AsSpan(a * Columns, Columns);
        Span<byte> rowB = _cells.AsSpan(b * Columns, Columns);
        for (int i = 0; i < Columns; i++)
        {
            (rowA[i], rowB[i]) = (rowB[i], rowA[i]);
        }
    }

    private void ScaleRow(int row, byte factor)
    {
        Span<byte> cells = _cells.AsSpan(row * Columns, Columns);
        for (int i = 0; i < cells.Length; i++)
        {
            cells[i] = GaloisField.Mul(cells[i], factor);
        }
    }

    // target += factor * source (subtraction is addition in characteristic 2).
    private void AddScaledRow(int target, int source, byte factor)
    {
        Span<byte> t = _cells.AsSpan(target * Columns, Columns);
        ReadOnlySpan<byte> s = _cells.AsSpan(source * Columns, Columns);
        for (int i = 0; i < t.Length; i++)
        {
            t[i] ^= GaloisField.Mul(s[i], factor);
        }
    }
}
