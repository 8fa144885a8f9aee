using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace RouterGen.Onnx
{
    /// <summary>
    /// Dynamic int8 quantisation of an ONNX model's matrix products: every <c>MatMul</c> whose second input is a 2-D float
    /// initializer W[K, N] becomes a quantisation of its activations → <c>MatMulInteger</c> with W quantised per output
    /// column → <c>Cast</c> → rescaling. By default (<see cref="OnnxInt8QuantizationOptions.Default"/>) each activation row
    /// (one token's vector) gets its own uint8 scale and zero point; <c>PerRowActivations = false</c> writes the graph
    /// onnxruntime's <c>quantize_dynamic</c> writes (one <c>DynamicQuantizeLinear</c> for the whole tensor). Everything
    /// else in the model is copied byte for byte.
    /// </summary>
    /// <remarks>
    /// Weights use the symmetric range ±63 (7 bits, onnxruntime's <c>reduce_range</c>): on x86 CPUs without VNNI
    /// (AVX2-only machines) the u8×s8 kernels add pairs of byte products in 16-bit lanes (vpmaddubsw), and 255 × 127 × 2
    /// would saturate them; 255 × 63 × 2 does not, so the integer products are exact on every x86 CPU. Per-row activations
    /// halved the decisions that differ from fp32 on both shared data sets (docs/benchmarks.md, "Int8 MiniLM") and make a
    /// prompt's embedding independent of the batch it is embedded in. The quantised model has its own SHA-256, so an
    /// embedder loading it has its own identity and never shares profiles or cache entries with the float model.
    /// </remarks>
    public static class OnnxInt8Quantizer
    {
        /// <summary>The largest quantised weight magnitude of the default (7-bit symmetric range).</summary>
        public const int WeightRange = 63;

        private const int FloatType = 1;
        private const int Int8Type = 3;

        /// <summary>Returns the model quantised with the default options, and how many MatMul nodes were quantised.</summary>
        /// <exception cref="OnnxModelException">The bytes are not an ONNX model this quantiser understands, or its opset is below 11.</exception>
        public static (byte[] Model, int QuantizedMatMuls) Quantize(byte[] model) => Quantize(model, OnnxInt8QuantizationOptions.Default);

        /// <summary>Returns the model quantised as <paramref name="options"/> say, and how many MatMul nodes were quantised.</summary>
        /// <exception cref="OnnxModelException">The bytes are not an ONNX model this quantiser understands, or its opset is below 11.</exception>
        public static (byte[] Model, int QuantizedMatMuls) Quantize(byte[] model, OnnxInt8QuantizationOptions options)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(options);
            if (options.WeightRange is < 1 or > 127)
            {
                throw new ArgumentOutOfRangeException(nameof(options), $"WeightRange is {options.WeightRange}; it must be from 1 to 127.");
            }

            if (options.ActivationRange is < 1 or > 255)
            {
                throw new ArgumentOutOfRangeException(nameof(options), $"ActivationRange is {options.ActivationRange}; it must be from 1 to 255.");
            }

            try
            {
                return QuantizeModel(model, options);
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentOutOfRangeException)
            {
                throw new OnnxModelException($"Cannot quantise the model: not a well-formed ONNX protobuf ({e.Message}).", e);
            }
        }

        // How many pairs of quantised weights (rows 2j and 2j+1 of one output column, the bytes vpmaddubsw multiplies and
        // adds in one 16-bit lane) have the same sign and activationRange × (|w1| + |w2|) > 32,767, so that two activations
        // at the top of their range overflow the lane: the pairs that can saturate on x86 without VNNI. Zero by
        // construction for 7-bit weights under 8-bit activations and for 8-bit weights under 7-bit ones.
        internal static long SaturablePairs(byte[] quantizedModel, int activationRange = 255)
        {
            long pairs = 0;
            foreach (Field f in ReadFields(quantizedModel))
            {
                if (f.Number != 7 || f.WireType != 2)
                {
                    continue;
                }

                ReadOnlySpan<byte> graph = f.Bytes(quantizedModel);
                foreach (Field g in ReadFields(graph))
                {
                    if (g.Number != 5 || g.WireType != 2)
                    {
                        continue;
                    }

                    Tensor t = Tensor.Parse(g.Bytes(graph));
                    if (t.DataType != Int8Type || t.Dims.Count != 2 || !t.Name.EndsWith("_quantized", StringComparison.Ordinal) || t.Raw == null)
                    {
                        continue;
                    }

                    int rows = (int)t.Dims[0], columns = (int)t.Dims[1];
                    for (int k = 0; k + 1 < rows; k += 2)
                    {
                        for (int n = 0; n < columns; n++)
                        {
                            int a = (sbyte)t.Raw[(k * columns) + n], b = (sbyte)t.Raw[((k + 1) * columns) + n];
                            if (Math.Sign(a) == Math.Sign(b) && activationRange * (Math.Abs(a) + Math.Abs(b)) > short.MaxValue)
                            {
                                pairs++;
                            }
                        }
                    }
                }
            }

            return pairs;
        }

        private static (byte[] Model, int QuantizedMatMuls) QuantizeModel(byte[] model, OnnxInt8QuantizationOptions options)
        {
            var fields = ReadFields(model);
            long defaultOpset = 0;
            foreach (Field f in fields)
            {
                if (f.Number == 8 && f.WireType == 2)
                {
                    string domain = "";
                    long version = 0;
                    foreach (Field o in ReadFields(f.Bytes(model)))
                    {
                        if (o.Number == 1 && o.WireType == 2)
                        {
                            domain = Encoding.UTF8.GetString(o.Bytes(f.Bytes(model)));
                        }
                        else if (o.Number == 2 && o.WireType == 0)
                        {
                            version = (long)o.Varint;
                        }
                    }

                    if (domain.Length == 0 || domain == "ai.onnx")
                    {
                        defaultOpset = version;
                    }
                }
            }

            if (defaultOpset < 11)
            {
                throw new OnnxModelException($"The model imports ONNX opset {defaultOpset}; DynamicQuantizeLinear needs opset 11 or later.");
            }

            var output = new ProtoBuffer();
            int quantized = 0;
            bool sawGraph = false;
            foreach (Field f in fields)
            {
                if (f.Number == 7 && f.WireType == 2)
                {
                    sawGraph = true;
                    (byte[] graph, quantized) = QuantizeGraph(f.Bytes(model).ToArray(), options, defaultOpset);
                    output.WriteBytes(7, graph);
                }
                else
                {
                    output.WriteRaw(f.Raw(model));
                }
            }

            if (!sawGraph)
            {
                throw new OnnxModelException("The model has no graph.");
            }

            return (output.ToArray(), quantized);
        }

        private static (byte[] Graph, int Quantized) QuantizeGraph(byte[] graph, OnnxInt8QuantizationOptions options, long opset)
        {
            List<Field> fields = ReadFields(graph);
            var initializers = new Dictionary<string, (Field Field, Tensor Tensor)>(StringComparer.Ordinal);
            var nodes = new List<(Field Field, Node Node)>();
            foreach (Field f in fields)
            {
                if (f.Number == 5 && f.WireType == 2)
                {
                    Tensor tensor = Tensor.Parse(f.Bytes(graph));
                    initializers[tensor.Name] = (f, tensor);
                }
                else if (f.Number == 1 && f.WireType == 2)
                {
                    nodes.Add((f, Node.Parse(f.Bytes(graph))));
                }
            }

            // Only weights used by nothing but quantisable MatMuls lose their float copy.
            var uses = new Dictionary<string, int>(StringComparer.Ordinal);
            var matMulUses = new Dictionary<string, int>(StringComparer.Ordinal);
            // Weight MatMuls are numbered in graph order; options may keep some of them in float.
            var quantise = new bool[nodes.Count];
            int weightMatMuls = 0;
            for (int i = 0; i < nodes.Count; i++)
            {
                if (IsWeightMatMul(nodes[i].Node, initializers))
                {
                    quantise[i] = !options.KeepsFloat(weightMatMuls++);
                }
            }

            int position = 0;
            foreach ((_, Node node) in nodes)
            {
                foreach (string input in node.Inputs)
                {
                    uses[input] = uses.GetValueOrDefault(input) + 1;
                }

                if (quantise[position++])
                {
                    matMulUses[node.Inputs[1]] = matMulUses.GetValueOrDefault(node.Inputs[1]) + 1;
                }
            }

            var output = new ProtoBuffer();
            var added = new Dictionary<string, (string Weights, string Scales, string Zeros)>(StringComparer.Ordinal);
            var newInitializers = new List<byte[]>();
            int quantized = 0;
            int nodeIndex = 0;
            foreach (Field f in fields)
            {
                if (f.Number == 1 && f.WireType == 2)
                {
                    Node node = nodes[nodeIndex].Node;
                    if (!quantise[nodeIndex++])
                    {
                        output.WriteRaw(f.Raw(graph));
                        continue;
                    }

                    string weightName = node.Inputs[1];
                    if (!added.TryGetValue(weightName, out var q))
                    {
                        q = (weightName + "_quantized", weightName + "_scale", weightName + "_zero_point");
                        newInitializers.AddRange(QuantiseWeights(initializers[weightName].Tensor, options.WeightRange, q.Weights, q.Scales, q.Zeros, options.PerRowActivations ? weightName + "_column_sum" : null));
                        added[weightName] = q;
                    }

                    string y = node.Outputs[0];
                    string p = (node.Name.Length > 0 ? node.Name : y) + "_int8";
                    if (options.PerRowActivations)
                    {
                        if (quantized == 0)
                        {
                            newInitializers.AddRange(RowQuantisationConstants(options.ActivationRange));
                        }

                        WritePerRowMatMul(output, p, node.Inputs[0], q.Weights, q.Scales, weightName + "_column_sum", y, opset);
                        quantized++;
                        continue;
                    }

                    output.WriteBytes(1, NodeBytes("DynamicQuantizeLinear", p + "_quantize", new[] { node.Inputs[0] }, new[] { p + "_a", p + "_a_scale", p + "_a_zero_point" }));
                    output.WriteBytes(1, NodeBytes("MatMulInteger", p + "_matmul", new[] { p + "_a", q.Weights, p + "_a_zero_point", q.Zeros }, new[] { p + "_int32" }));
                    output.WriteBytes(1, NodeBytes("Cast", p + "_cast", new[] { p + "_int32" }, new[] { p + "_float" }, castTo: FloatType));
                    output.WriteBytes(1, NodeBytes("Mul", p + "_scale", new[] { p + "_a_scale", q.Scales }, new[] { p + "_scales" }));
                    output.WriteBytes(1, NodeBytes("Mul", p + "_rescale", new[] { p + "_float", p + "_scales" }, new[] { y }));
                    quantized++;
                }
                else if (f.Number == 5 && f.WireType == 2)
                {
                    string name = Tensor.Parse(f.Bytes(graph)).Name;
                    bool onlyQuantisedMatMuls = matMulUses.TryGetValue(name, out int m) && m == uses.GetValueOrDefault(name);
                    if (!onlyQuantisedMatMuls)
                    {
                        output.WriteRaw(f.Raw(graph));
                    }
                }
                else
                {
                    output.WriteRaw(f.Raw(graph));
                }
            }

            foreach (byte[] tensor in newInitializers)
            {
                output.WriteBytes(5, tensor);
            }

            return (output.ToArray(), quantized);
        }

        private const string RowZero = "routergen_int8_row_zero", RowTiny = "routergen_int8_row_tiny", RowLevels = "routergen_int8_row_levels", RowAxes = "routergen_int8_row_axes";
        private const int Int64Type = 7;
        private const int UInt8Type = 2;

        private static IEnumerable<byte[]> RowQuantisationConstants(int levels)
        {
            static byte[] Scalar(float value)
            {
                var bytes = new byte[4];
                BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
                return bytes;
            }

            yield return TensorBytes(RowZero, FloatType, Array.Empty<long>(), Scalar(0f));
            yield return TensorBytes(RowTiny, FloatType, Array.Empty<long>(), Scalar(1e-12f));
            yield return TensorBytes(RowLevels, FloatType, Array.Empty<long>(), Scalar(levels));
            var lastAxis = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(lastAxis, -1);
            yield return TensorBytes(RowAxes, Int64Type, new long[] { 1 }, lastAxis);
        }

        // Y = X·W with X quantised per row (each token's vector over K gets its own uint8 scale and zero point over
        // 0..ActivationRange, as
        // DynamicQuantizeLinear does for the whole tensor, range widened to include 0) and W per column, zero point 0:
        //   Y[r, n] = a_scale[r] · w_scale[n] · (Σ_k q_a[r, k] · q_w[k, n] − a_zero[r] · Σ_k q_w[k, n]).
        // MatMulInteger takes no per-row activation zero point on ONNX Runtime's CPU provider, hence the column-sum term.
        // A row's quantisation no longer depends on the other prompts of a batch, nor on another token's outlier.
        private static void WritePerRowMatMul(ProtoBuffer output, string p, string x, string weights, string scales, string columnSum, string y, long opset)
        {
            void Node(string op, string suffix, string[] inputs, string output1, (string Name, long[] Ints)? ints = null, (string Name, long Value)? integer = null) =>
                output.WriteBytes(1, NodeBytes(op, p + "_" + suffix, inputs, new[] { output1 }, ints: ints, integer: integer));

            // Reduce ops take their axes as an attribute up to opset 17 and as an input from 18.
            (string, long[])? lastAxis = opset < 18 ? ("axes", new long[] { -1 }) : null;
            string[] reduced = opset < 18 ? new[] { x } : new[] { x, RowAxes };
            (string, long) keepDims = ("keepdims", 1);
            Node("ReduceMin", "row_min", reduced, p + "_row_min", lastAxis, keepDims);
            Node("ReduceMax", "row_max", reduced, p + "_row_max", lastAxis, keepDims);
            Node("Min", "row_low", new[] { p + "_row_min", RowZero }, p + "_row_low");
            Node("Max", "row_high", new[] { p + "_row_max", RowZero }, p + "_row_high");
            Node("Sub", "row_range", new[] { p + "_row_high", p + "_row_low" }, p + "_row_range");
            Node("Max", "row_range_positive", new[] { p + "_row_range", RowTiny }, p + "_row_range_positive");
            Node("Div", "row_scale", new[] { p + "_row_range_positive", RowLevels }, p + "_row_scale");
            Node("Neg", "row_low_negated", new[] { p + "_row_low" }, p + "_row_low_negated");
            Node("Div", "row_zero_unrounded", new[] { p + "_row_low_negated", p + "_row_scale" }, p + "_row_zero_unrounded");
            Node("Round", "row_zero_rounded", new[] { p + "_row_zero_unrounded" }, p + "_row_zero_rounded");
            Node("Clip", "row_zero", new[] { p + "_row_zero_rounded", RowZero, RowLevels }, p + "_row_zero");
            Node("Div", "a_scaled", new[] { x, p + "_row_scale" }, p + "_a_scaled");
            Node("Round", "a_rounded", new[] { p + "_a_scaled" }, p + "_a_rounded");
            Node("Add", "a_shifted", new[] { p + "_a_rounded", p + "_row_zero" }, p + "_a_shifted");
            Node("Clip", "a_clipped", new[] { p + "_a_shifted", RowZero, RowLevels }, p + "_a_clipped");
            Node("Cast", "a", new[] { p + "_a_clipped" }, p + "_a", integer: ("to", UInt8Type));
            Node("MatMulInteger", "matmul", new[] { p + "_a", weights }, p + "_int32");
            Node("Cast", "cast", new[] { p + "_int32" }, p + "_float", integer: ("to", FloatType));
            Node("Mul", "zero_correction", new[] { p + "_row_zero", columnSum }, p + "_zero_correction");
            Node("Sub", "centred", new[] { p + "_float", p + "_zero_correction" }, p + "_centred");
            Node("Mul", "scales", new[] { p + "_row_scale", scales }, p + "_scales");
            Node("Mul", "rescale", new[] { p + "_centred", p + "_scales" }, y);
        }

        private static bool IsWeightMatMul(Node node, Dictionary<string, (Field Field, Tensor Tensor)> initializers) =>
            node.OpType == "MatMul" && node.Domain.Length == 0 && node.Inputs.Count == 2 && node.Outputs.Count == 1 &&
            initializers.TryGetValue(node.Inputs[1], out var w) && w.Tensor.DataType == FloatType && w.Tensor.Dims.Count == 2 && w.Tensor.HasData;

        // Per output column n of W[K, N]: scale = max |W[k, n]| / range, q = round(W / scale); zero points are all 0.
        private static IEnumerable<byte[]> QuantiseWeights(Tensor weights, int range, string quantizedName, string scalesName, string zerosName, string? columnSumName)
        {
            int rows = (int)weights.Dims[0], columns = (int)weights.Dims[1];
            float[] w = weights.Floats();
            var scales = new float[columns];
            for (int n = 0; n < columns; n++)
            {
                float max = 0;
                for (int k = 0; k < rows; k++)
                {
                    max = Math.Max(max, Math.Abs(w[(k * columns) + n]));
                }

                scales[n] = max > 0 ? max / range : 1f;
            }

            var q = new byte[w.Length];
            for (int i = 0; i < w.Length; i++)
            {
                q[i] = unchecked((byte)(sbyte)Math.Clamp(MathF.Round(w[i] / scales[i % columns]), -range, range));
            }

            var scaleBytes = new byte[columns * 4];
            for (int n = 0; n < columns; n++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(scaleBytes.AsSpan(n * 4), scales[n]);
            }

            yield return TensorBytes(quantizedName, Int8Type, new long[] { rows, columns }, q);
            if (columnSumName != null)
            {
                var sums = new byte[columns * 4];
                for (int n = 0; n < columns; n++)
                {
                    int sum = 0;
                    for (int k = 0; k < rows; k++)
                    {
                        sum += (sbyte)q[(k * columns) + n];
                    }

                    BinaryPrimitives.WriteSingleLittleEndian(sums.AsSpan(n * 4), sum);
                }

                yield return TensorBytes(columnSumName, FloatType, new long[] { columns }, sums);
            }

            yield return TensorBytes(scalesName, FloatType, new long[] { columns }, scaleBytes);
            if (columnSumName == null)
            {
                yield return TensorBytes(zerosName, Int8Type, new long[] { columns }, new byte[columns]);
            }

        }

        private static byte[] TensorBytes(string name, int dataType, long[] dims, byte[] raw)
        {
            var t = new ProtoBuffer();
            foreach (long d in dims)
            {
                t.WriteVarintField(1, (ulong)d);
            }

            t.WriteVarintField(2, (ulong)dataType);
            t.WriteBytes(8, Encoding.UTF8.GetBytes(name));
            t.WriteBytes(9, raw);
            return t.ToArray();
        }

        private static byte[] NodeBytes(string opType, string name, string[] inputs, string[] outputs, int? castTo = null, (string Name, long[] Ints)? ints = null, (string Name, long Value)? integer = null)
        {
            var n = new ProtoBuffer();
            foreach (string input in inputs)
            {
                n.WriteBytes(1, Encoding.UTF8.GetBytes(input));
            }

            foreach (string o in outputs)
            {
                n.WriteBytes(2, Encoding.UTF8.GetBytes(o));
            }

            n.WriteBytes(3, Encoding.UTF8.GetBytes(name));
            n.WriteBytes(4, Encoding.UTF8.GetBytes(opType));

            // AttributeProto: name = 1, i = 3, ints = 8, type = 20 (INT = 2, INTS = 7).
            if (castTo is int to)
            {
                integer = ("to", to);
            }

            if (integer is (string integerName, long value))
            {
                var attribute = new ProtoBuffer();
                attribute.WriteBytes(1, Encoding.UTF8.GetBytes(integerName));
                attribute.WriteVarintField(3, unchecked((ulong)value));
                attribute.WriteVarintField(20, 2);
                n.WriteBytes(5, attribute.ToArray());
            }

            if (ints is (string intsName, long[] values))
            {
                var attribute = new ProtoBuffer();
                attribute.WriteBytes(1, Encoding.UTF8.GetBytes(intsName));
                foreach (long v in values)
                {
                    attribute.WriteVarintField(8, unchecked((ulong)v));
                }

                attribute.WriteVarintField(20, 7);
                n.WriteBytes(5, attribute.ToArray());
            }

            return n.ToArray();
        }

        private static List<Field> ReadFields(ReadOnlySpan<byte> message)
        {
            var fields = new List<Field>();
            int position = 0;
            while (position < message.Length)
            {
                int start = position;
                ulong tag = ReadVarint(message, ref position);
                int number = (int)(tag >> 3), wireType = (int)(tag & 7);
                ulong varint = 0;
                int valueStart = position, valueLength;
                switch (wireType)
                {
                    case 0:
                        varint = ReadVarint(message, ref position);
                        valueLength = position - valueStart;
                        break;
                    case 1:
                        valueLength = 8;
                        position += 8;
                        break;
                    case 2:
                        ulong length = ReadVarint(message, ref position);
                        if (length > (ulong)(message.Length - position))
                        {
                            throw new InvalidDataException($"field {number} at byte {start} claims {length} bytes; {message.Length - position} remain.");
                        }

                        valueStart = position;
                        valueLength = (int)length;
                        position += valueLength;
                        break;
                    case 5:
                        valueLength = 4;
                        position += 4;
                        break;
                    default:
                        throw new InvalidDataException($"field {number} at byte {start} has wire type {wireType}, which ONNX does not use.");
                }

                if (position > message.Length)
                {
                    throw new InvalidDataException($"field {number} at byte {start} runs past the end of its message.");
                }

                fields.Add(new Field(number, wireType, start, position - start, valueStart, valueLength, varint));
            }

            return fields;
        }

        private static ulong ReadVarint(ReadOnlySpan<byte> bytes, ref int position)
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (position >= bytes.Length)
                {
                    throw new InvalidDataException("a varint runs past the end of its message.");
                }

                byte b = bytes[position++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw new InvalidDataException("a varint is longer than 10 bytes.");
        }

        private readonly record struct Field(int Number, int WireType, int Start, int Length, int ValueStart, int ValueLength, ulong Varint)
        {
            public ReadOnlySpan<byte> Raw(ReadOnlySpan<byte> message) => message.Slice(Start, Length);

            public ReadOnlySpan<byte> Bytes(ReadOnlySpan<byte> message) => message.Slice(ValueStart, ValueLength);
        }

        private sealed class Node
        {
            public List<string> Inputs { get; } = new();

            public List<string> Outputs { get; } = new();

            public string Name { get; private set; } = "";

            public string OpType { get; private set; } = "";

            public string Domain { get; private set; } = "";

            public static Node Parse(ReadOnlySpan<byte> bytes)
            {
                var node = new Node();
                foreach (Field f in ReadFields(bytes))
                {
                    if (f.WireType != 2)
                    {
                        continue;
                    }

                    string text = Encoding.UTF8.GetString(f.Bytes(bytes));
                    switch (f.Number)
                    {
                        case 1: node.Inputs.Add(text); break;
                        case 2: node.Outputs.Add(text); break;
                        case 3: node.Name = text; break;
                        case 4: node.OpType = text; break;
                        case 7: node.Domain = text; break;
                    }
                }

                return node;
            }
        }

        private sealed class Tensor
        {
            private byte[]? _raw;
            private float[]? _floats;

            public List<long> Dims { get; } = new();

            public int DataType { get; private set; }

            public string Name { get; private set; } = "";

            public bool HasData => _raw != null || _floats != null;

            public byte[]? Raw => _raw;

            public static Tensor Parse(ReadOnlySpan<byte> bytes)
            {
                var tensor = new Tensor();
                bool external = false;
                foreach (Field f in ReadFields(bytes))
                {
                    switch (f.Number, f.WireType)
                    {
                        case (1, 0): tensor.Dims.Add((long)f.Varint); break;
                        case (1, 2):
                            ReadOnlySpan<byte> packed = f.Bytes(bytes);
                            int p = 0;
                            while (p < packed.Length)
                            {
                                tensor.Dims.Add((long)ReadVarint(packed, ref p));
                            }

                            break;
                        case (2, 0): tensor.DataType = (int)f.Varint; break;
                        case (8, 2): tensor.Name = Encoding.UTF8.GetString(f.Bytes(bytes)); break;
                        case (9, 2): tensor._raw = f.Bytes(bytes).ToArray(); break;
                        case (4, 2):
                            ReadOnlySpan<byte> data = f.Bytes(bytes);
                            tensor._floats = new float[data.Length / 4];
                            for (int i = 0; i < tensor._floats.Length; i++)
                            {
                                tensor._floats[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]);
                            }

                            break;
                        case (14, 0): external = f.Varint == 1; break;
                    }
                }

                if (external)
                {
                    tensor._raw = null;
                    tensor._floats = null;
                }

                return tensor;
            }

            public float[] Floats()
            {
                if (_floats != null)
                {
                    return _floats;
                }

                var values = new float[_raw!.Length / 4];
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(_raw.AsSpan(i * 4));
                }

                return values;
            }
        }

        private sealed class ProtoBuffer
        {
            private readonly ArrayBufferWriter<byte> _buffer = new();

            public void WriteRaw(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

            public void WriteVarintField(int field, ulong value)
            {
                WriteVarint((ulong)(field << 3));
                WriteVarint(value);
            }

            public void WriteBytes(int field, ReadOnlySpan<byte> value)
            {
                WriteVarint((ulong)((field << 3) | 2));
                WriteVarint((ulong)value.Length);
                _buffer.Write(value);
            }

            public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

            private void WriteVarint(ulong value)
            {
                Span<byte> bytes = stackalloc byte[10];
                int n = 0;
                while (value >= 0x80)
                {
                    bytes[n++] = (byte)(value | 0x80);
                    value >>= 7;
                }

                bytes[n++] = (byte)value;
                _buffer.Write(bytes[..n]);
            }
        }
    }
}
