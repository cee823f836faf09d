using DataMesh.Storage.Erasure;

namespace DataMesh.Storage.Pipeline;

/// <summary>The pipeline's view of Reed-Solomon: k data + m parity shards, with m = 0 meaning "no parity".</summary>
internal sealed class ErasureCoder
{
    private readonly ReedSolomon? _codec;

    public ErasureCoder(int dataShards, int parityShards)
    {
        DataShards = dataShards;
        ParityShards = parityShards;
        _codec = parityShards == 0 ? null : new ReedSolomon(dataShards, parityShards);
    }

    public int DataShards { get; }
    public int ParityShards { get; }

    public void EncodeParity(ReadOnlySpan<ReadOnlyMemory<byte>> data, ReadOnlySpan<Memory<byte>> parity) =>
        _codec?.EncodeParity(data, parity);

    /// <summary>Fills in the missing data shards from any k present ones (the caller checked there are k).</summary>
    public void ReconstructData(ReadOnlySpan<Memory<byte>> shards, ReadOnlySpan<bool> present)
    {
        if (_codec is null)
        {
            throw new InvalidOperationException("Without parity there is nothing to reconstruct from.");
        }
        _codec.Reconstruct(shards, present, dataOnly: true);
    }
}
