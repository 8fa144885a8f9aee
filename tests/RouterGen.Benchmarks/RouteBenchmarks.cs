using System;
using BenchmarkDotNet.Attributes;
using RouterGen.Generator.Tests;
using RouterGen.Routing;

namespace RouterGen.Benchmarks
{
    /// <summary>
    /// One Route call on an embedding, generated router vs runtime-loaded router of the same profile, in the same run.
    /// The generated router is produced by the real generator and compiled with Roslyn (Release) at setup.
    /// </summary>
    [MemoryDiagnoser]
    [MedianColumn]
    [Config(typeof(PercentileConfig))]
    public class RouteBenchmarks
    {
        internal const int EmbeddingCount = 256;

        private RouterPair _pair = null!;
        private float[][] _embeddings = null!;
        private int _next;

        /// <summary>Clusters x dimension.</summary>
        [Params("16x384", "64x384", "100x512", "256x768")]
        public string Shape { get; set; } = "";

        [GlobalSetup]
        public void Setup() => (_pair, _embeddings) = Create("Bench", Shape);

        /// <summary>
        /// The generated and runtime-loaded routers of a random profile of <paramref name="shape"/> (clusters x dimension,
        /// 12 models) and fixed embeddings, each near a random centroid (seeded, so every run routes the same ones).
        /// </summary>
        internal static (RouterPair Pair, float[][] Embeddings) Create(string namePrefix, string shape, CentroidPrecision precision = CentroidPrecision.Float32)
        {
            string[] parts = shape.Split('x');
            int clusters = int.Parse(parts[0]);
            int dimension = int.Parse(parts[1]);
            string name = $"{namePrefix}{clusters}x{dimension}{(precision == CentroidPrecision.Float32 ? "" : precision.ToString())}";
            RouterPair pair = GeneratedRouters.Compile(name, GeneratedRouters.RandomProfileJson(name, clusters, dimension, models: 12, seed: clusters + dimension, precision: precision), collectible: false);
            ReadOnlySpan<float> centroids = pair.Loaded.UnitCentroids;
            var random = new Random(1);
            var embeddings = new float[EmbeddingCount][];
            for (int i = 0; i < EmbeddingCount; i++)
            {
                int anchor = random.Next(clusters);
                embeddings[i] = new float[dimension];
                for (int d = 0; d < dimension; d++)
                {
                    embeddings[i][d] = centroids[(anchor * dimension) + d] + (float)(0.5 * GeneratedRouters.Gaussian(random) / Math.Sqrt(dimension));
                }
            }

            return (pair, embeddings);
        }

        [Benchmark(Baseline = true, Description = "runtime-loaded")]
        public int RuntimeLoaded() => _pair.Loaded.Route(_embeddings[_next++ & (EmbeddingCount - 1)], default).ModelIndex;

        [Benchmark(Description = "generated")]
        public int Generated() => _pair.Generated(_embeddings[_next++ & (EmbeddingCount - 1)], default).ModelIndex;
    }
}
