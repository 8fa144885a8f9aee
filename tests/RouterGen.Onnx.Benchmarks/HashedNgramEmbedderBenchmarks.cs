using System;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using RouterGen.Embedding;
using RouterGen.Profiles;

namespace RouterGen.Onnx.Benchmarks
{
    /// <summary>
    /// The built-in embedder per prompt, for short, medium and long prompts, with and without learned bucket weights.
    /// Baseline: the ONNX-free default on the short prompt.
    /// </summary>
    [Config(typeof(InProcessConfig))]
    [MemoryDiagnoser]
    public class HashedNgramEmbedderBenchmarks
    {
        private const string Sentence = "Write a Python function that parses an ISO 8601 timestamp and returns the UTC offset in minutes. ";
        private HashedNgramEmbedder _embedder = null!;
        private string _prompt = "";
        private float[] _destination = Array.Empty<float>();

        /// <summary>Prompt length in characters: a one-line question, a paragraph, a long issue with code.</summary>
        [Params(60, 600, 6000)]
        public int Chars { get; set; }

        /// <summary>default = <c>new HashedNgramParameters()</c>; idf = the same with per-bucket weights.</summary>
        [Params("default", "idf")]
        public string Variant { get; set; } = "default";

        [GlobalSetup]
        public void Setup()
        {
            const int dimension = 512;
            var parameters = new HashedNgramParameters();
            if (Variant == "idf")
            {
                var random = new Random(1);
                parameters.BucketWeights = Enumerable.Range(0, dimension).Select(_ => 0.5f + (float)random.NextDouble()).ToArray();
            }

            _embedder = new HashedNgramEmbedder(dimension, parameters);
            _prompt = string.Concat(Enumerable.Repeat(Sentence, (Chars / Sentence.Length) + 1))[..Chars];
            _destination = new float[dimension];
        }

        [Benchmark]
        public float Embed()
        {
            _embedder.Embed(_prompt, _destination);
            return _destination[0];
        }

        private sealed class InProcessConfig : ManualConfig
        {
            public InProcessConfig()
            {
                AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithId("in-process"));
                WithOptions(ConfigOptions.DisableOptimizationsValidator);
            }
        }
    }
}
