using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace DataMesh.Benchmarks.Erasure;

/// <summary>GB/s of data-shard input per operation (k x shard size / mean time), 1 GB = 10^9 bytes.</summary>
internal sealed class ThroughputColumn : IColumn
{
    private readonly long _bytesPerOperation;

    public ThroughputColumn(long bytesPerOperation) => _bytesPerOperation = bytesPerOperation;

    public string Id => nameof(ThroughputColumn);

    public string ColumnName => "GB/s (data)";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Data-shard bytes processed per second of mean time, in 10^9 bytes/s (per core: single-threaded).";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
        return meanNs is > 0 ? (_bytesPerOperation / meanNs.Value).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : "NA";
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
