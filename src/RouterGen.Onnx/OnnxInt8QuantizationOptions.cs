using System;
using System.Collections.Generic;

namespace RouterGen.Onnx
{
    /// <summary>
    /// How <see cref="OnnxInt8Quantizer"/> quantises a model: the weight range, and which MatMul nodes stay in float.
    /// Every choice changes the model file, hence its SHA-256 and the identity of an embedder that loads it.
    /// </summary>
    public sealed record OnnxInt8QuantizationOptions
    {
        /// <summary>
        /// What <c>routergen model-folder --int8</c> writes: every weight MatMul quantised to the 7-bit range ±63 (safe from
        /// u8×s8 pair saturation on CPUs without VNNI), activations quantised per row.
        /// </summary>
        public static OnnxInt8QuantizationOptions Default { get; } = new() { PerRowActivations = true };

        /// <summary>
        /// The largest quantised weight magnitude: 63 (7 bits, the default) or up to 127 (8 bits). On x86 CPUs without VNNI,
        /// ONNX Runtime's u8×s8 kernels add pairs of byte products in saturating 16-bit lanes (vpmaddubsw), where
        /// 255 × 127 × 2 can saturate and 255 × 63 × 2 cannot; with VNNI (vpdpbusd) both are exact.
        /// </summary>
        public int WeightRange { get; init; } = OnnxInt8Quantizer.WeightRange;

        /// <summary>
        /// Weight MatMuls (a MatMul by a 2-D float initializer) that keep their float weights, by their position among the
        /// graph's weight MatMuls in graph order, from 0. A 6-layer BERT export such as all-MiniLM-L6-v2 has six per layer,
        /// in forward order: query, key, value, attention output, intermediate, output; so 0–5 is the first layer, 30–35 the
        /// last, and 3, 9, … 33 the attention outputs. Empty: every weight MatMul is quantised.
        /// </summary>
        public IReadOnlyList<int> FloatMatMuls { get; init; } = Array.Empty<int>();

        /// <summary>
        /// Quantise activations per row (each token's input vector gets its own scale and zero point) instead of one scale
        /// for the whole input tensor (DynamicQuantizeLinear). Per tensor, one outlier token coarsens every other token,
        /// and in a batch the other prompts' values set a prompt's scale, so a prompt's embedding depends on its batch;
        /// per row it does not. Costs a few elementwise passes per MatMul.
        /// </summary>
        public bool PerRowActivations { get; init; }

        /// <summary>
        /// With <see cref="PerRowActivations"/>, the largest activation level: 255 (8 bits, the default) or 127 (7 bits).
        /// 127 with 8-bit weights keeps every u8×s8 pair sum within a 16-bit lane (127 × 127 × 2 = 32,258), so the
        /// products are exact on x86 without VNNI as well, like 7-bit weights with 8-bit activations.
        /// </summary>
        public int ActivationRange { get; init; } = 255;

        /// <summary>True when the weight MatMul at <paramref name="position"/> (graph order, from 0) keeps its float weights.</summary>
        public bool KeepsFloat(int position)
        {
            foreach (int kept in FloatMatMuls)
            {
                if (kept == position)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
