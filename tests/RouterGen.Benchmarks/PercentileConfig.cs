using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;

namespace RouterGen.Benchmarks
{
    /// <summary>Adds P95 next to BenchmarkDotNet's defaults (mean, median via [MedianColumn], ratio, allocations).</summary>
    public sealed class PercentileConfig : ManualConfig
    {
        public PercentileConfig()
        {
            AddColumn(StatisticColumn.P95);
        }
    }
}
