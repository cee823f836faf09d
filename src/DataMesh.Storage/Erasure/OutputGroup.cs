namespace DataMesh.Storage.Erasure;

/// <summary>
/// A compile-time count of outputs that a SIMD kernel accumulates together in registers. The kernels are generic
/// over a struct implementing it, so the JIT emits one specialised loop per count with the unused accumulators
/// removed, instead of branching per byte.
/// </summary>
internal interface IOutputGroup
{
    static abstract int Count { get; }
}

internal readonly struct OneOutput : IOutputGroup
{
    public static int Count => 1;
}

internal readonly struct TwoOutputs : IOutputGroup
{
    public static int Count => 2;
}

internal readonly struct ThreeOutputs : IOutputGroup
{
    public static int Count => 3;
}

internal readonly struct FourOutputs : IOutputGroup
{
    public static int Count => 4;
}
