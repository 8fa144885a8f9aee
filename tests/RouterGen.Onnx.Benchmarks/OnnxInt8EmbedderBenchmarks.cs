using System;
using BenchmarkDotNet.Attributes;

namespace RouterGen.Onnx.Benchmarks
{
    /// <summary>
    /// The same MiniLM-L6 shape with int8 dense weights and dynamically quantised activations (the graph
    /// onnxruntime.quantization.quantize_dynamic produces, like all-MiniLM-L6-v2's model_quantized.onnx), at 128 tokens.
    /// </summary>
    [Config(typeof(OnnxEmbedderBenchmarks.LatencyConfig))]
    [MemoryDiagnoser]
    public class OnnxInt8EmbedderBenchmarks
    {
        private OnnxEmbedder _embedder = null!;
        private string _prompt = "";
        private float[] _destination = Array.Empty<float>();

        [Params(128)]
        public int Tokens { get; set; }

        [Params(1, 2)]
        public int Threads { get; set; }

        [GlobalSetup]
        public void Setup()
        {
            (_embedder, _prompt) = OnnxEmbedderBenchmarks.Open(int8: true, Tokens, Threads, batchSize: 1);
            _destination = new float[_embedder.Dimension];
            for (int i = 0; i < 5; i++)
            {
                _embedder.Embed(_prompt, _destination);
            }
        }

        [GlobalCleanup]
        public void Cleanup() => _embedder.Dispose();

        [Benchmark]
        public float SingleInt8()
        {
            _embedder.Embed(_prompt, _destination);
            return _destination[0];
        }
    }
}
