using System;
using System.Collections.Generic;

namespace RouterGen.Onnx.Benchmarks
{
    /// <summary>
    /// The int8 variants of all-MiniLM-L6-v2 measured against fp32 (docs/benchmarks.md, "Int8 MiniLM"): each is an
    /// <see cref="OnnxInt8QuantizationOptions"/>, hence its own model file and identity.
    /// </summary>
    public static class Int8Variants
    {
        // Weight MatMuls in graph order, six per layer: query, key, value, attention output, intermediate, output.
        private static readonly int[] EndLayers = { 0, 1, 2, 3, 4, 5, 30, 31, 32, 33, 34, 35 };
        private static readonly int[] AttentionOutput = { 3, 9, 15, 21, 27, 33 };
        private static readonly int[] FeedForwardOutput = { 5, 11, 17, 23, 29, 35 };

        /// <summary>Name → options: q7 (7-bit weights, per-tensor activations: the int8 model before per-row), q7-row (the default), q8 (8-bit), float first/last layers or projections, per-row activations (-row).</summary>
        public static IReadOnlyDictionary<string, OnnxInt8QuantizationOptions> All { get; } = new Dictionary<string, OnnxInt8QuantizationOptions>(StringComparer.Ordinal)
        {
            ["q7"] = new(),
            ["q8"] = new() { WeightRange = 127 },
            ["q7-float-ends"] = new() { FloatMatMuls = EndLayers },
            ["q8-float-ends"] = new() { WeightRange = 127, FloatMatMuls = EndLayers },
            ["q7-float-attn-out"] = new() { FloatMatMuls = AttentionOutput },
            ["q7-float-outputs"] = new() { FloatMatMuls = FeedForwardOutput },
            ["q7-row"] = new() { PerRowActivations = true },
            ["q8-row"] = new() { WeightRange = 127, PerRowActivations = true },
            ["q7-row-float-ends"] = new() { PerRowActivations = true, FloatMatMuls = EndLayers },
            ["q8-row7"] = new() { WeightRange = 127, PerRowActivations = true, ActivationRange = 127 },
            ["q8-row7-float-ends"] = new() { WeightRange = 127, PerRowActivations = true, ActivationRange = 127, FloatMatMuls = EndLayers },
        };

        public static OnnxInt8QuantizationOptions Get(string name) =>
            All.TryGetValue(name, out OnnxInt8QuantizationOptions? options)
                ? options
                : throw new ArgumentException($"unknown int8 variant '{name}'; known: {string.Join(", ", All.Keys)}.");

        /// <summary>MiniLM from its package quantised as <paramref name="name"/> says, loaded with <paramref name="options"/> (the package's pooling and 256 tokens).</summary>
        public static OnnxEmbedder Load(string dll, string name, OnnxEmbedderOptions options)
        {
            (byte[] model, _) = SentenceTransformerPackage.MiniLM.Read(dll);
            (byte[] quantized, int count) = OnnxInt8Quantizer.Quantize(model, Get(name));
            Console.WriteLine($"{name}: {count} MatMuls quantised, {quantized.Length:N0} bytes, {OnnxInt8Quantizer.SaturablePairs(quantized, Get(name).PerRowActivations ? Get(name).ActivationRange : 255)} weight pairs that could saturate a 16-bit u8×s8 lane");
            return SentenceTransformerPackage.MiniLM.Load(dll, Get(name), options);
        }
    }
}
