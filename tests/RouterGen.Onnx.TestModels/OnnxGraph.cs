using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace RouterGen.Onnx.TestModels
{
    /// <summary>ONNX tensor element types used here (TensorProto.DataType).</summary>
    public enum OnnxElementType
    {
        Float = 1,
        Int8 = 3,
        Int32 = 6,
        Int64 = 7,
    }

    /// <summary>
    /// A minimal ONNX graph writer: inputs, outputs, initializers and nodes, serialised as a ModelProto. Field numbers
    /// follow onnx/onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto,
    /// TypeProto, TensorShapeProto, OperatorSetIdProto).
    /// </summary>
    public sealed class OnnxGraph
    {
        private readonly List<Action<ProtoWriter>> _nodes = new();
        private readonly List<Action<ProtoWriter>> _initializers = new();
        private readonly List<Action<ProtoWriter>> _inputs = new();
        private readonly List<Action<ProtoWriter>> _outputs = new();
        private int _nextName;

        /// <summary>Declares a graph input; a dimension is a number (fixed) or a string (symbolic, like "batch").</summary>
        public string Input(string name, OnnxElementType type, params object[] dims)
        {
            _inputs.Add(w => WriteValueInfo(w, name, type, dims));
            return name;
        }

        /// <summary>Declares a graph output.</summary>
        public void Output(string name, OnnxElementType type, params object[] dims) =>
            _outputs.Add(w => WriteValueInfo(w, name, type, dims));

        /// <summary>Adds a float initializer (weights) stored as raw little-endian bytes.</summary>
        public string Weights(string name, float[] values, params long[] dims)
        {
            byte[] raw = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
            _initializers.Add(w => WriteTensor(w, name, OnnxElementType.Float, dims, raw));
            return name;
        }

        /// <summary>Adds an int64 initializer (shapes, axes, indices).</summary>
        public string Int64s(string name, long[] values, params long[] dims)
        {
            byte[] raw = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
            _initializers.Add(w => WriteTensor(w, name, OnnxElementType.Int64, dims, raw));
            return name;
        }

        /// <summary>Adds an int8 initializer (quantised weights).</summary>
        public string Int8s(string name, sbyte[] values, params long[] dims)
        {
            byte[] raw = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
            _initializers.Add(w => WriteTensor(w, name, OnnxElementType.Int8, dims, raw));
            return name;
        }

        /// <summary>A scalar float constant.</summary>
        public string Scalar(float value) => Weights(FreshName("c"), new[] { value });

        /// <summary>A 1-D int64 constant.</summary>
        public string Int64Vector(params long[] values) => Int64s(FreshName("i"), values, values.Length);

        /// <summary>Adds a node with one output and returns the output's name.</summary>
        public string Node(string opType, string[] inputs, params (string Name, object Value)[] attributes) =>
            NodeTo(FreshName(opType), opType, inputs, attributes);

        /// <summary>Adds a node with several outputs and returns their names.</summary>
        public string[] NodeWithOutputs(string opType, string[] inputs, int outputs)
        {
            string stem = FreshName(opType);
            string[] names = new string[outputs];
            for (int i = 0; i < outputs; i++)
            {
                names[i] = $"{stem}_{i}";
            }

            string nodeName = FreshName("n");
            _nodes.Add(w =>
            {
                foreach (string input in inputs)
                {
                    w.WriteString(1, input);
                }

                foreach (string output in names)
                {
                    w.WriteString(2, output);
                }

                w.WriteString(3, nodeName);
                w.WriteString(4, opType);
            });
            return names;
        }

        /// <summary>Adds a node writing a named output.</summary>
        public string NodeTo(string output, string opType, string[] inputs, params (string Name, object Value)[] attributes)
        {
            string nodeName = FreshName("n");
            _nodes.Add(w =>
            {
                foreach (string input in inputs)
                {
                    w.WriteString(1, input);
                }

                w.WriteString(2, output);
                w.WriteString(3, nodeName);
                w.WriteString(4, opType);
                foreach ((string attrName, object value) in attributes)
                {
                    w.WriteMessage(5, a => WriteAttribute(a, attrName, value));
                }
            });
            return output;
        }

        /// <summary>Serialises the model (IR version 8, default-domain opset 17).</summary>
        public byte[] ToModelBytes(string graphName = "routergen-test")
        {
            var model = new ProtoWriter();
            model.WriteInt64(1, 8);
            model.WriteString(2, "RouterGen.Onnx.TestModels");
            model.WriteMessage(7, g =>
            {
                foreach (Action<ProtoWriter> node in _nodes)
                {
                    g.WriteMessage(1, node);
                }

                g.WriteString(2, graphName);
                foreach (Action<ProtoWriter> initializer in _initializers)
                {
                    g.WriteMessage(5, initializer);
                }

                foreach (Action<ProtoWriter> input in _inputs)
                {
                    g.WriteMessage(11, input);
                }

                foreach (Action<ProtoWriter> output in _outputs)
                {
                    g.WriteMessage(12, output);
                }
            });
            model.WriteMessage(8, o =>
            {
                o.WriteString(1, "");
                o.WriteInt64(2, 17);
            });
            return model.ToArray();
        }

        private string FreshName(string stem) => $"{stem}_{_nextName++}";

        private static void WriteTensor(ProtoWriter w, string name, OnnxElementType type, long[] dims, byte[] raw)
        {
            w.WritePackedInt64(1, dims);
            w.WriteInt64(2, (int)type);
            w.WriteString(8, name);
            w.WriteBytes(9, raw);
        }

        private static void WriteValueInfo(ProtoWriter w, string name, OnnxElementType type, object[] dims)
        {
            w.WriteString(1, name);
            w.WriteMessage(2, t => t.WriteMessage(1, tensor =>
            {
                tensor.WriteInt64(1, (int)type);
                tensor.WriteMessage(2, shape =>
                {
                    foreach (object dim in dims)
                    {
                        shape.WriteMessage(1, d =>
                        {
                            if (dim is string symbol)
                            {
                                d.WriteString(2, symbol);
                            }
                            else
                            {
                                d.WriteInt64(1, Convert.ToInt64(dim, System.Globalization.CultureInfo.InvariantCulture));
                            }
                        });
                    }
                });
            }));
        }

        private static void WriteAttribute(ProtoWriter a, string name, object value)
        {
            // AttributeProto.type: FLOAT = 1, INT = 2, INTS = 7.
            a.WriteString(1, name);
            switch (value)
            {
                case float f:
                    a.WriteFloat(2, f);
                    a.WriteInt64(20, 1);
                    break;
                case int or long:
                    a.WriteInt64(3, Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                    a.WriteInt64(20, 2);
                    break;
                case long[] ints:
                    foreach (long i in ints)
                    {
                        a.WriteInt64(8, i);
                    }

                    a.WriteInt64(20, 7);
                    break;
                default:
                    throw new ArgumentException($"Unsupported attribute value type {value.GetType()} for '{name}'.", nameof(value));
            }
        }
    }
}
