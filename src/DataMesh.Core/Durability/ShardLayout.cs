namespace DataMesh.Core.Durability;

/// <summary>How one file's stripes are coded and stored: <see cref="DataShards"/> data shards and
/// <see cref="ParityShards"/> parity shards per stripe (any <see cref="DataShards"/> of them rebuild it), each stored
/// <see cref="Copies"/> times.</summary>
public sealed record ShardLayout
{
    public ShardLayout(int dataShards, int parityShards, int copies = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dataShards, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(parityShards);
        ArgumentOutOfRangeException.ThrowIfLessThan(copies, 1);
        DataShards = dataShards;
        ParityShards = parityShards;
        Copies = copies;
    }

    public int DataShards { get; }

    public int ParityShards { get; }

    public int Copies { get; }

    /// <summary>Shards per stripe.</summary>
    public int Width => DataShards + ParityShards;

    /// <summary>Bytes stored across the mesh per byte of file (encryption tags and partial stripes aside).</summary>
    public double Overhead => (double)Width * Copies / DataShards;

    public override string ToString() => Copies == 1 ? $"{DataShards}+{ParityShards}" : $"{DataShards}+{ParityShards}x{Copies}";
}
