using System;
using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using RouterGen.Generator.Tests;

namespace RouterGen.Benchmarks
{
    /// <summary>
    /// Route against the memory limit (issue 11 item 6): a read-only TensorPrimitives pass over the same centroid bytes
    /// (<see cref="TensorPrimitives.Sum(ReadOnlySpan{float})"/>, the baseline) next to the runtime-loaded and the generated
    /// router's whole Route call, same run. The ratio column is Route's cost in read-only passes.
    /// </summary>
    [MedianColumn]
    public class MemoryLimitBenchmarks
    {
        private RouterPair _pair = null!;
        private float[][] _embeddings = null!;
        private int _next;

        /// <summary>Clusters x dimension.</summary>
        [Params("64x384", "100x512", "256x768")]
        public string Shape { get; set; } = "";

        [GlobalSetup]
        public void Setup() => (_pair, _embeddings) = RouteBenchmarks.Create("Limit", Shape);

        [Benchmark(Baseline = true, Description = "read-only pass (TensorPrimitives.Sum)")]
        public float ReadOnlyPass() => TensorPrimitives.Sum(_pair.Loaded.UnitCentroids);

        [Benchmark(Description = "runtime-loaded Route")]
        public int RuntimeLoaded() => _pair.Loaded.Route(_embeddings[_next++ & (RouteBenchmarks.EmbeddingCount - 1)], default).ModelIndex;

        [Benchmark(Description = "generated Route")]
        public int Generated() => _pair.Generated(_embeddings[_next++ & (RouteBenchmarks.EmbeddingCount - 1)], default).ModelIndex;
    }
}
