using System;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using RouterGen.Generator.Tests;
using RouterGen.Routing;

namespace RouterGen.Benchmarks
{
    /// <summary>
    /// Route against the memory limit (issue 11 item 6): a read-only TensorPrimitives pass over the same centroid bytes
    /// (<see cref="TensorPrimitives.Sum(ReadOnlySpan{float})"/>, the baseline) next to the runtime-loaded and the generated
    /// router's whole Route call, same run, for each centroid precision. The ratio column is Route's cost in read-only
    /// passes over the bytes that precision stores (4, 2 or 1 per number: the half and int8 rows' bytes are summed as if
    /// they were floats, which reads exactly those bytes).
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

        /// <summary>The profile's centroidPrecision.</summary>
        [Params("float32", "float16", "int8")]
        public string Precision { get; set; } = "";

        [GlobalSetup]
        public void Setup()
        {
            if (!CentroidPrecisionNames.TryParse(Precision, out CentroidPrecision precision))
            {
                throw new ArgumentException($"Unknown precision {Precision}.");
            }

            (_pair, _embeddings) = RouteBenchmarks.Create("Limit", Shape, precision);
        }

        [Benchmark(Baseline = true, Description = "read-only pass (TensorPrimitives.Sum)")]
        public float ReadOnlyPass() => _pair.Loaded.QuantizedCentroids is QuantizedCentroids quantized
            ? TensorPrimitives.Sum(MemoryMarshal.Cast<byte, float>(quantized.Bytes))
            : TensorPrimitives.Sum(_pair.Loaded.UnitCentroids);

        [Benchmark(Description = "runtime-loaded Route")]
        public int RuntimeLoaded() => _pair.Loaded.Route(_embeddings[_next++ & (RouteBenchmarks.EmbeddingCount - 1)], default).ModelIndex;

        [Benchmark(Description = "generated Route")]
        public int Generated() => _pair.Generated(_embeddings[_next++ & (RouteBenchmarks.EmbeddingCount - 1)], default).ModelIndex;
    }
}
