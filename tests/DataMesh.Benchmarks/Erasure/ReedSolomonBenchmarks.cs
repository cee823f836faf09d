using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using DataMesh.Storage.Erasure;

namespace DataMesh.Benchmarks.Erasure;

/// <summary>
/// 8+4 Reed-Solomon over 1 MiB shards, single-threaded: parity encoding per kernel against the naive scalar
/// baseline (Ratio column), and rebuilding four lost data shards. Each operation touches 8 MiB of data shards;
/// the "GB/s mean" and "GB/s best" columns are that divided by the mean and by the fastest iteration's time. Run: dotnet run -c Release --project
/// tests/DataMesh.Benchmarks -- erasure [--job short]. Kernels the CPU lacks report an error instead of a figure.
/// </summary>
[Config(typeof(Config))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ReedSolomonBenchmarks
{
    public const int DataShards = 8;
    public const int ParityShards = 4;
    public const int ShardBytes = 1024 * 1024;
    private const int LostShards = 4;

    private readonly Dictionary<GaloisKernel, ReedSolomon> _codecs = [];
    private byte[][] _shards = [];
    private ReadOnlyMemory<byte>[] _data = [];
    private Memory<byte>[] _parity = [];
    private Memory<byte>[] _all = [];
    private bool[] _present = [];
    private NaiveScalarEncoder _baseline = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _shards = new byte[DataShards + ParityShards][];
        for (int i = 0; i < _shards.Length; i++)
        {
            _shards[i] = GC.AllocateUninitializedArray<byte>(ShardBytes, pinned: true);
            random.NextBytes(_shards[i]);
        }

        _data = _shards.Take(DataShards).Select(s => (ReadOnlyMemory<byte>)s).ToArray();
        _parity = _shards.Skip(DataShards).Select(s => (Memory<byte>)s).ToArray();
        _all = _shards.Select(s => (Memory<byte>)s).ToArray();
        _present = Enumerable.Range(0, DataShards + ParityShards).Select(i => i >= LostShards).ToArray();
        _baseline = new NaiveScalarEncoder(DataShards, ParityShards);
        foreach (GaloisKernel kernel in Enum.GetValues<GaloisKernel>().Where(ReedSolomon.IsKernelSupported))
        {
            _codecs[kernel] = new ReedSolomon(DataShards, ParityShards, kernel);
        }

        _codecs[GaloisKernel.Scalar].EncodeParity(_data, _parity);
    }

    [BenchmarkCategory("Encode"), Benchmark(Baseline = true, Description = "Encode naive scalar baseline")]
    public void EncodeNaiveBaseline() => _baseline.EncodeParity(_shards[..DataShards], _shards[DataShards..]);

    [BenchmarkCategory("Encode"), Benchmark(Description = "Encode Scalar")]
    public void EncodeScalar() => Encode(GaloisKernel.Scalar);

    [BenchmarkCategory("Encode"), Benchmark(Description = "Encode Ssse3")]
    public void EncodeSsse3() => Encode(GaloisKernel.Ssse3);

    [BenchmarkCategory("Encode"), Benchmark(Description = "Encode Avx2")]
    public void EncodeAvx2() => Encode(GaloisKernel.Avx2);

    [BenchmarkCategory("Encode"), Benchmark(Description = "Encode Avx512")]
    public void EncodeAvx512() => Encode(GaloisKernel.Avx512);

    [BenchmarkCategory("Encode"), Benchmark(Description = "Encode Gfni")]
    public void EncodeGfni() => Encode(GaloisKernel.Gfni);

    [BenchmarkCategory("Decode"), Benchmark(Baseline = true, Description = "Rebuild 4 lost data shards, Scalar")]
    public void DecodeScalar() => Decode(GaloisKernel.Scalar);

    [BenchmarkCategory("Decode"), Benchmark(Description = "Rebuild 4 lost data shards, Avx2")]
    public void DecodeAvx2() => Decode(GaloisKernel.Avx2);

    [BenchmarkCategory("Decode"), Benchmark(Description = "Rebuild 4 lost data shards, Avx512")]
    public void DecodeAvx512() => Decode(GaloisKernel.Avx512);

    [BenchmarkCategory("Decode"), Benchmark(Description = "Rebuild 4 lost data shards, Gfni")]
    public void DecodeGfni() => Decode(GaloisKernel.Gfni);

    private ReedSolomon Codec(GaloisKernel kernel) =>
        _codecs.TryGetValue(kernel, out var codec) ? codec : throw new PlatformNotSupportedException($"{kernel} is not supported on this CPU.");

    private void Encode(GaloisKernel kernel) => Codec(kernel).EncodeParity(_data, _parity);

    private void Decode(GaloisKernel kernel) => Codec(kernel).Reconstruct(_all, _present);

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(
            new ThroughputColumn((long)DataShards * ShardBytes, fastest: false),
            new ThroughputColumn((long)DataShards * ShardBytes, fastest: true));
    }
}
