using System.Buffers;

namespace DataMesh.Storage.Erasure;

/// <summary>
/// Systematic Reed-Solomon erasure coding over GF(2^8): k data shards are kept verbatim and m parity shards are
/// added so that any k of the k+m shards rebuild everything. Instances are immutable apart from an internal
/// bounded cache and are safe to share between threads. Buffers passed to one call must not overlap.
/// </summary>
public sealed unsafe class ReedSolomon
{
    /// <summary>GF(2^8) has 256 distinct evaluation points, which caps k + m.</summary>
    public const int MaxTotalShards = GaloisField.Order;

    private const int DecodeCacheEntries = 256;
    private const long DecodeCacheBytes = 8L * 1024 * 1024;

    private readonly GaloisMatrix _encodingMatrix;
    private readonly CodingPlan _parityPlan;
    private readonly DecodePlanCache _decodePlans = new(DecodeCacheEntries, DecodeCacheBytes);
    private readonly Func<ErasurePattern, CodingPlan> _buildDecodePlan;

    /// <param name="dataShards">k, at least 1.</param>
    /// <param name="parityShards">m, at least 1; k + m must not exceed <see cref="MaxTotalShards"/>.</param>
    /// <param name="kernel">Instruction set to use; <see cref="GaloisKernel.Auto"/> picks the fastest available.</param>
    /// <exception cref="ArgumentOutOfRangeException">A shard count is out of range, or the kernel value is unknown.</exception>
    /// <exception cref="PlatformNotSupportedException">The requested kernel needs instructions this CPU lacks.</exception>
    public ReedSolomon(int dataShards, int parityShards, GaloisKernel kernel = GaloisKernel.Auto)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dataShards, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(parityShards, 1);
        if (dataShards + parityShards > MaxTotalShards)
        {
            throw new ArgumentOutOfRangeException(
                nameof(parityShards), parityShards, $"dataShards + parityShards must not exceed {MaxTotalShards}; got {dataShards} + {parityShards}.");
        }

        if (!Enum.IsDefined(kernel))
        {
            throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "Unknown Galois kernel.");
        }

        if (!KernelDispatcher.IsSupported(kernel))
        {
            throw new PlatformNotSupportedException($"The {kernel} Galois kernel needs instructions this CPU does not have.");
        }

        DataShards = dataShards;
        ParityShards = parityShards;
        Kernel = kernel == GaloisKernel.Auto ? KernelDispatcher.Best() : kernel;
        _encodingMatrix = BuildEncodingMatrix(dataShards, TotalShards);

        int[] parityRows = Enumerable.Range(dataShards, parityShards).ToArray();
        _buildDecodePlan = BuildDecodePlan; // one delegate for the instance, not one per Reconstruct call
        _parityPlan = new CodingPlan(_encodingMatrix.SelectRows(parityRows), Enumerable.Range(0, dataShards).ToArray(), parityRows);
    }

    public int DataShards { get; }

    public int ParityShards { get; }

    public int TotalShards => DataShards + ParityShards;

    /// <summary>The kernel in use (never <see cref="GaloisKernel.Auto"/>).</summary>
    public GaloisKernel Kernel { get; }

    /// <summary>Whether <paramref name="kernel"/> can run on this CPU.</summary>
    public static bool IsKernelSupported(GaloisKernel kernel) => Enum.IsDefined(kernel) && KernelDispatcher.IsSupported(kernel);

    /// <summary>Computes all parity shards from the data shards. Every buffer must have the same length.</summary>
    /// <exception cref="ArgumentException">Wrong shard counts or mismatched lengths.</exception>
    public void EncodeParity(ReadOnlySpan<ReadOnlyMemory<byte>> dataShards, ReadOnlySpan<Memory<byte>> parityShards)
    {
        RequireCount(dataShards.Length, DataShards, nameof(dataShards));
        RequireCount(parityShards.Length, ParityShards, nameof(parityShards));
        int length = dataShards[0].Length;
        RequireLengths(dataShards, length, nameof(dataShards));
        RequireLengths(parityShards, length, nameof(parityShards));
        if (length == 0)
        {
            return;
        }

        using var pins = new PinnedShards(TotalShards);
        byte** inputs = stackalloc byte*[DataShards];
        byte** outputs = stackalloc byte*[ParityShards];
        for (int i = 0; i < DataShards; i++)
        {
            inputs[i] = pins.Pin(dataShards[i]);
        }

        for (int p = 0; p < ParityShards; p++)
        {
            outputs[p] = pins.Pin(parityShards[p]);
        }

        KernelDispatcher.Run(Kernel, _parityPlan, inputs, outputs, length);
    }

    /// <summary>
    /// Rebuilds, in place, every shard whose <paramref name="present"/> flag is false, from any k present shards.
    /// All k+m buffers must be allocated by the caller with the same length; present ones are only read.
    /// </summary>
    /// <param name="dataOnly">Rebuild only missing data shards, leaving missing parity buffers untouched.</param>
    /// <exception cref="ArgumentException">Wrong shard or flag counts, or mismatched lengths.</exception>
    /// <exception cref="ErasureCodingException">Fewer than k shards are present.</exception>
    public void Reconstruct(ReadOnlySpan<Memory<byte>> shards, ReadOnlySpan<bool> present, bool dataOnly = false)
    {
        RequireCount(shards.Length, TotalShards, nameof(shards));
        RequireCount(present.Length, TotalShards, nameof(present));
        int length = shards[0].Length;
        RequireLengths(shards, length, nameof(shards));

        int presentCount = 0;
        int missingWanted = 0;
        for (int i = 0; i < TotalShards; i++)
        {
            if (present[i])
            {
                presentCount++;
            }
            else if (i < DataShards || !dataOnly)
            {
                missingWanted++;
            }
        }

        if (presentCount < DataShards)
        {
            throw new ErasureCodingException(
                $"Cannot reconstruct: only {presentCount} of {TotalShards} shards are present but {DataShards} are needed.");
        }

        if (missingWanted == 0 || length == 0)
        {
            return;
        }

        CodingPlan plan = _decodePlans.GetOrAdd(ErasurePattern.From(present, dataOnly), _buildDecodePlan);

        using var pins = new PinnedShards(plan.InputCount + plan.OutputCount);
        byte** inputs = stackalloc byte*[plan.InputCount];
        byte** outputs = stackalloc byte*[plan.OutputCount];
        for (int i = 0; i < plan.InputCount; i++)
        {
            inputs[i] = pins.Pin(shards[plan.InputShards[i]]);
        }

        for (int o = 0; o < plan.OutputCount; o++)
        {
            outputs[o] = pins.Pin(shards[plan.OutputShards[o]]);
        }

        KernelDispatcher.Run(Kernel, plan, inputs, outputs, length);
    }

    /// <summary>True when every parity shard matches the data shards. All k+m buffers must have the same length.</summary>
    /// <exception cref="ArgumentException">Wrong shard count or mismatched lengths.</exception>
    public bool Verify(ReadOnlySpan<ReadOnlyMemory<byte>> shards)
    {
        RequireCount(shards.Length, TotalShards, nameof(shards));
        int length = shards[0].Length;
        RequireLengths(shards, length, nameof(shards));
        if (length == 0)
        {
            return true;
        }

        // Parity is recomputed one slice at a time into a pooled scratch buffer, so memory stays bounded.
        int slice = Math.Min(length, KernelDispatcher.SliceBytes);
        byte[] scratch = ArrayPool<byte>.Shared.Rent(slice * ParityShards);
        try
        {
            using var pins = new PinnedShards(TotalShards);
            byte** shardStart = stackalloc byte*[TotalShards];
            for (int i = 0; i < TotalShards; i++)
            {
                shardStart[i] = pins.Pin(shards[i]);
            }

            byte** inputs = stackalloc byte*[DataShards];
            byte** outputs = stackalloc byte*[ParityShards];
            fixed (byte* scratchStart = scratch)
            {
                for (int p = 0; p < ParityShards; p++)
                {
                    outputs[p] = scratchStart + ((nint)p * slice);
                }

                for (int offset = 0; offset < length; offset += slice)
                {
                    int count = Math.Min(slice, length - offset);
                    for (int i = 0; i < DataShards; i++)
                    {
                        inputs[i] = shardStart[i] + offset;
                    }

                    KernelDispatcher.Run(Kernel, _parityPlan, inputs, outputs, count);
                    for (int p = 0; p < ParityShards; p++)
                    {
                        var expected = new ReadOnlySpan<byte>(outputs[p], count);
                        var actual = new ReadOnlySpan<byte>(shardStart[DataShards + p] + offset, count);
                        if (!expected.SequenceEqual(actual))
                        {
                            return false;
                        }
                    }
                }
            }

            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// E = V * inverse(V[0..k)), with V the (k+m) x k Vandermonde matrix. The top k rows of E are the identity
    /// (systematic), and any k rows of E equal (those k rows of V) * inverse(V[0..k)), a product of two
    /// invertible matrices, hence invertible: any k shards determine the data.
    /// </summary>
    internal static GaloisMatrix BuildEncodingMatrix(int dataShards, int totalShards)
    {
        GaloisMatrix vandermonde = GaloisMatrix.Vandermonde(totalShards, dataShards);
        GaloisMatrix top = vandermonde.SelectRows(Enumerable.Range(0, dataShards).ToArray());
        return vandermonde.Multiply(top.Invert());
    }

    internal GaloisMatrix EncodingMatrix => _encodingMatrix;

    internal int CachedDecodePlans => _decodePlans.Count;

    /// <summary>
    /// Uses the first k present shards (data before parity, so lost data is rebuilt from as much verbatim data as
    /// possible). With D the inverse of their rows of E, the data is D x inputs, so any missing shard j is
    /// E[j] x D x inputs (for data shards E[j] is a unit row and this is just row j of D): every missing shard
    /// comes out of one pass over the same k inputs.
    /// </summary>
    private CodingPlan BuildDecodePlan(ErasurePattern pattern)
    {
        var inputShards = new int[DataShards];
        var outputShards = new List<int>();
        int chosen = 0;
        for (int i = 0; i < TotalShards; i++)
        {
            if (IsPresent(pattern, i))
            {
                if (chosen < DataShards)
                {
                    inputShards[chosen++] = i;
                }
            }
            else if (i < DataShards || !pattern.DataOnly)
            {
                outputShards.Add(i);
            }
        }

        GaloisMatrix decode = _encodingMatrix.SelectRows(inputShards).Invert();
        GaloisMatrix rows = _encodingMatrix.SelectRows(outputShards.ToArray()).Multiply(decode);
        return new CodingPlan(rows, inputShards, outputShards.ToArray());
    }

    private static bool IsPresent(ErasurePattern pattern, int index)
    {
        ulong word = (index >> 6) switch
        {
            0 => pattern.Present0,
            1 => pattern.Present1,
            2 => pattern.Present2,
            _ => pattern.Present3,
        };
        return (word & (1UL << (index & 63))) != 0;
    }

    private static void RequireCount(int actual, int expected, string parameter)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"Expected {expected} shards but got {actual}.", parameter);
        }
    }

    private static void RequireLengths(ReadOnlySpan<ReadOnlyMemory<byte>> shards, int length, string parameter)
    {
        for (int i = 0; i < shards.Length; i++)
        {
            RequireLength(i, shards[i].Length, length, parameter);
        }
    }

    private static void RequireLengths(ReadOnlySpan<Memory<byte>> shards, int length, string parameter)
    {
        for (int i = 0; i < shards.Length; i++)
        {
            RequireLength(i, shards[i].Length, length, parameter);
        }
    }

    private static void RequireLength(int index, int actual, int expected, string parameter)
    {
        if (actual != expected)
        {
            throw new ArgumentException(
                $"All shards must have the same length: shard {index} of {parameter} has {actual} bytes, expected {expected}.", parameter);
        }
    }
}
