using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace DataMesh.Benchmarks.Erasure;

/// <summary>
/// GB/s of data-shard input per operation (k x shard size / time), 1 GB = 10^9 bytes, from either the mean or the
/// fastest iteration. On a machine shared with other work the fastest iteration is the better estimate of what one
/// unloaded core does; the mean shows what the run actually got.
/// </summary>
internal sealed class ThroughputColumn : IColumn
{
    private readonly long _bytesPerOperation;
    private readonly bool _fastest;

    public ThroughputColumn(long bytesPerOperation, bool fastest)
    {
        _bytesPerOperation = bytesPerOperation;
        _fastest = fastest;
    }

    public string Id => nameof(ThroughputColumn) + (_fastest ? ".Best" : ".Mean");

    public string ColumnName => _fastest ? "GB/s best" : "GB/s mean";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => _fastest ? 1 : 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => _fastest
        ? "Data-shard bytes per second of the fastest iteration, 10^9 bytes/s, one core."
        : "Data-shard bytes per second of the mean time, 10^9 bytes/s, one core.";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        double? ns = _fastest ? statistics?.Min : statistics?.Mean;
        return ns is > 0 ? (_bytesPerOperation / ns.Value).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : "NA";
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
