namespace DataMesh.Storage.Erasure;

/// <summary>
/// One SIMD flavour of GF(2^8) multiply-accumulate: how wide a step is, how a step of input is loaded (and
/// pre-processed once for every output that uses it), and how c*x is added to an accumulator.
/// <see cref="SimdKernel{TLanes, TInput, TAccumulator}"/> runs the loop that is the same for all of them.
/// </summary>
/// <typeparam name="TInput">A loaded step of one input, in the form the multiply needs (raw, or split into nibbles).</typeparam>
/// <typeparam name="TAccumulator">A step of one output being summed.</typeparam>
internal unsafe interface ISimdLanes<TInput, TAccumulator>
    where TInput : struct
    where TAccumulator : struct
{
    /// <summary>Bytes of every shard processed per step.</summary>
    static abstract int StepBytes { get; }

    static abstract bool IsSupported { get; }

    /// <summary>Where the coefficients of <paramref name="output"/>'s row start, and how many bytes one coefficient takes.</summary>
    static abstract byte* CoefficientsFor(CodingPlan plan, int output);

    static abstract int CoefficientBytes { get; }

    static abstract TInput Load(byte* source);

    /// <summary>accumulator ^ c*x, with c given by its pre-computed form at <paramref name="coefficient"/>.</summary>
    static abstract TAccumulator MultiplyAdd(byte* coefficient, in TInput x, TAccumulator accumulator);

    static abstract void Store(byte* destination, TAccumulator value);
}

/// <summary>
/// The multiply-accumulate loop shared by every SIMD flavour: for each step, up to four outputs accumulate in
/// registers while each input step is loaded once. Generic over struct type parameters, so the JIT emits one
/// specialised loop per flavour and output count, with the unused accumulators removed.
/// </summary>
internal static unsafe class SimdKernel<TLanes, TInput, TAccumulator>
    where TLanes : ISimdLanes<TInput, TAccumulator>
    where TInput : struct
    where TAccumulator : struct
{
    /// <summary>Outputs [firstOutput, firstOutput+count) over [start, end); end - start is a multiple of the step.</summary>
    public static void Apply(CodingPlan plan, byte** inputs, byte** outputs, int firstOutput, int count, nint start, nint end)
    {
        switch (count)
        {
            case 1: Group<OneOutput>(plan, inputs, outputs, firstOutput, start, end); break;
            case 2: Group<TwoOutputs>(plan, inputs, outputs, firstOutput, start, end); break;
            case 3: Group<ThreeOutputs>(plan, inputs, outputs, firstOutput, start, end); break;
            case 4: Group<FourOutputs>(plan, inputs, outputs, firstOutput, start, end); break;
            default: throw new ArgumentOutOfRangeException(nameof(count), count, "A kernel group holds one to four outputs.");
        }
    }

    private static void Group<TGroup>(CodingPlan plan, byte** inputs, byte** outputs, int firstOutput, nint start, nint end)
        where TGroup : struct, IOutputGroup
    {
        int inputCount = plan.InputCount;
        nint rowStride = (nint)inputCount * TLanes.CoefficientBytes;
        byte* coefficients = TLanes.CoefficientsFor(plan, firstOutput);
        byte* out0 = outputs[firstOutput];
        byte* out1 = TGroup.Count > 1 ? outputs[firstOutput + 1] : null;
        byte* out2 = TGroup.Count > 2 ? outputs[firstOutput + 2] : null;
        byte* out3 = TGroup.Count > 3 ? outputs[firstOutput + 3] : null;

        for (nint pos = start; pos < end; pos += TLanes.StepBytes)
        {
            TAccumulator acc0 = default, acc1 = default, acc2 = default, acc3 = default;
            byte* c = coefficients;
            for (int i = 0; i < inputCount; i++, c += TLanes.CoefficientBytes)
            {
                TInput x = TLanes.Load(inputs[i] + pos);
                acc0 = TLanes.MultiplyAdd(c, x, acc0);
                if (TGroup.Count > 1)
                {
                    acc1 = TLanes.MultiplyAdd(c + rowStride, x, acc1);
                }

                if (TGroup.Count > 2)
                {
                    acc2 = TLanes.MultiplyAdd(c + (2 * rowStride), x, acc2);
                }

                if (TGroup.Count > 3)
                {
                    acc3 = TLanes.MultiplyAdd(c + (3 * rowStride), x, acc3);
                }
            }

            TLanes.Store(out0 + pos, acc0);
            if (TGroup.Count > 1)
            {
                TLanes.Store(out1 + pos, acc1);
            }

            if (TGroup.Count > 2)
            {
                TLanes.Store(out2 + pos, acc2);
            }

            if (TGroup.Count > 3)
            {
                TLanes.Store(out3 + pos, acc3);
            }
        }
    }
}
