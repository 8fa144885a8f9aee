using System;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace RouterGen.Onnx.Benchmarks
{
    /// <summary>
    /// Latency of the ONNX embedder on a MiniLM-L6-shaped model. Every iteration is one call (invocation count 1), so
    /// the median and p99 columns are per-call latencies, not averages of many calls.
    /// </summary>
    [Config(typeof(LatencyConfig))]
    [MemoryDiagnoser]
    public class OnnxEmbedderBenchmarks
    {
        private const int BatchSize = 4;
        private OnnxEmbedder _embedder = null!;
        private string _prompt = "";
        private string[] _batch = Array.Empty<string>();
        private float[] _destination = Array.Empty<float>();
        private float[] _batchDestination = Array.Empty<float>();

        [Params(32, 128, 256)]
        public int Tokens { get; set; }

        [Params(1, 2)]
        public int Threads { get; set; }

        [GlobalSetup]
        public void Setup()
        {
            (_embedder, _prompt) = Open(int8: false, Tokens, Threads, BatchSize);

            _batch = Enumerable.Repeat(_prompt, BatchSize).ToArray();
            _destination = new float[_embedder.Dimension];
            _batchDestination = new float[BatchSize * _embedder.Dimension];
            for (int i = 0; i < 5; i++)
            {
                _embedder.Embed(_prompt, _destination);
            }
        }

        [GlobalCleanup]
        public void Cleanup() => _embedder.Dispose();

        /// <summary>Loads the cached MiniLM-shaped model and makes a prompt of exactly <paramref name="tokens"/> tokens.</summary>
        internal static (OnnxEmbedder Embedder, string Prompt) Open(bool int8, int tokens, int threads, int batchSize)
        {
            string folder = MiniLmModel.EnsureFolder(int8);
            OnnxEmbedder embedder = OnnxEmbedder.Load(folder, new OnnxEmbedderOptions { IntraOpThreads = threads, MaxTokens = 256, BatchSize = batchSize });
            string prompt = MiniLmModel.Prompt(tokens);
            int actual = embedder.Tokenize(prompt).Count;
            if (actual != tokens)
            {
                throw new InvalidOperationException($"The benchmark prompt has {actual} tokens, not {tokens}.");
            }

            return (embedder, prompt);
        }

        /// <summary>One prompt: the serving path (bound, preallocated buffers).</summary>
        [Benchmark(Baseline = true)]
        public float Single()
        {
            _embedder.Embed(_prompt, _destination);
            return _destination[0];
        }

        /// <summary>Four prompts in one ONNX Runtime call (the fitting path); times are per prompt.</summary>
        [Benchmark(OperationsPerInvoke = BatchSize)]
        public float Batched()
        {
            _embedder.EmbedBatch(_batch, _batchDestination);
            return _batchDestination[0];
        }

        internal sealed class LatencyConfig : ManualConfig
        {
            public LatencyConfig()
            {
                // In-process: the machine is slow enough that building a separate benchmark executable times out.
                // A long timeout: on a loaded 2-core machine the batched 256-token case takes minutes.
                AddJob(Job.Default.WithInvocationCount(1).WithUnrollFactor(1).WithWarmupCount(5).WithIterationCount(100)
                    .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(30), logOutput: true)).WithId("per-call"));
                AddColumn(StatisticColumn.Median, new PercentileColumn(99), StatisticColumn.Max);
                AddColumn(BaselineRatioColumn.RatioMean);
                WithOptions(ConfigOptions.DisableOptimizationsValidator);
            }
        }
    }

    /// <summary>A percentile of the per-iteration times (BenchmarkDotNet's built-in columns stop at P95).</summary>
    public sealed class PercentileColumn : IColumn
    {
        private readonly int _percentile;

        public PercentileColumn(int percentile) => _percentile = percentile;

        public string Id => $"P{_percentile}";
        public string ColumnName => $"P{_percentile}";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Statistics;
        public int PriorityInCategory => 10;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Time;
        public string Legend => $"{_percentile}th percentile of per-call times";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            BenchmarkDotNet.Mathematics.Statistics? statistics = summary[benchmarkCase]?.ResultStatistics;
            if (statistics == null)
            {
                return "NA";
            }

            double nanoseconds = statistics.Percentiles.Percentile(_percentile);
            return $"{nanoseconds / 1e6:F3} ms";
        }

        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
