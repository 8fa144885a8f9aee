using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace RouterGen.Onnx.TestModels
{
    /// <summary>Shape of a BERT-family encoder and the ways a test may want it broken.</summary>
    public sealed record BertConfig
    {
        public int VocabSize { get; init; } = 64;
        public int Hidden { get; init; } = 16;
        public int Heads { get; init; } = 2;
        public int Layers { get; init; } = 1;
        public int Intermediate { get; init; } = 32;
        public int MaxPositions { get; init; } = 512;
        public bool TokenTypes { get; init; } = true;
        public int Seed { get; init; } = 1;

        /// <summary>Name of the token-id input (a wrong name makes a model the embedder must reject).</summary>
        public string InputIdsName { get; init; } = "input_ids";

        /// <summary>Name of the output.</summary>
        public string OutputName { get; init; } = "last_hidden_state";

        /// <summary>Mean-pool inside the graph, giving a rank-2 [batch, hidden] output instead of [batch, seq, hidden].</summary>
        public bool PooledOutput { get; init; }

        /// <summary>
        /// Store the dense layers' weights as int8 with one scale per matrix and quantise activations at run time
        /// (DynamicQuantizeLinear → MatMulInteger), the graph onnxruntime's quantize_dynamic writes.
        /// </summary>
        public bool Int8Weights { get; init; }

        /// <summary>all-MiniLM-L6-v2's architecture: 6 layers, hidden 384, 12 heads, intermediate 1536, vocab 30,522.</summary>
        public static BertConfig MiniLmL6 { get; } = new()
        {
            VocabSize = 30522,
            Hidden = 384,
            Heads = 12,
            Layers = 6,
            Intermediate = 1536,
            MaxPositions = 512,
            TokenTypes = true,
        };
    }

    /// <summary>Weights of one encoder layer, row-major; matrices are [in, out] as ONNX MatMul uses them.</summary>
    public sealed class BertLayerWeights
    {
        public required float[] Query { get; init; }
        public required float[] QueryBias { get; init; }
        public required float[] Key { get; init; }
        public required float[] KeyBias { get; init; }
        public required float[] Value { get; init; }
        public required float[] ValueBias { get; init; }
        public required float[] AttentionOut { get; init; }
        public required float[] AttentionOutBias { get; init; }
        public required float[] AttentionNormGamma { get; init; }
        public required float[] AttentionNormBeta { get; init; }
        public required float[] Up { get; init; }
        public required float[] UpBias { get; init; }
        public required float[] Down { get; init; }
        public required float[] DownBias { get; init; }
        public required float[] OutputNormGamma { get; init; }
        public required float[] OutputNormBeta { get; init; }
    }

    /// <summary>
    /// A BERT encoder with seeded random weights, written as an ONNX graph the way exporters write one: Gather for the
    /// token, position and token-type embeddings, LayerNormalization, multi-head self-attention (MatMul, Softmax, with the
    /// attention mask as an additive bias), an Erf-GELU feed-forward block, output <c>last_hidden_state</c>
    /// [batch, sequence, hidden]. The weights are exposed so that tests can recompute the forward pass independently.
    /// </summary>
    public sealed class BertModel
    {
        public const float LayerNormEpsilon = 1e-12f;

        private BertModel(BertConfig config)
        {
            Config = config;
            var random = new SeededRandom(config.Seed);
            int h = config.Hidden;
            WordEmbeddings = random.Floats(config.VocabSize * h, 1f);
            PositionEmbeddings = random.Floats(config.MaxPositions * h, 0.5f);
            TokenTypeEmbeddings = random.Floats(2 * h, 0.5f);
            EmbeddingNormGamma = random.Floats(h, 0.2f, offset: 1f);
            EmbeddingNormBeta = random.Floats(h, 0.1f);
            float hiddenScale = 1f / MathF.Sqrt(h);
            float upScale = 1f / MathF.Sqrt(config.Intermediate);
            var layers = new List<BertLayerWeights>();
            for (int l = 0; l < config.Layers; l++)
            {
                layers.Add(new BertLayerWeights
                {
                    Query = random.Floats(h * h, 2f * hiddenScale),
                    QueryBias = random.Floats(h, 0.1f),
                    Key = random.Floats(h * h, 2f * hiddenScale),
                    KeyBias = random.Floats(h, 0.1f),
                    Value = random.Floats(h * h, hiddenScale),
                    ValueBias = random.Floats(h, 0.1f),
                    AttentionOut = random.Floats(h * h, hiddenScale),
                    AttentionOutBias = random.Floats(h, 0.1f),
                    AttentionNormGamma = random.Floats(h, 0.2f, offset: 1f),
                    AttentionNormBeta = random.Floats(h, 0.1f),
                    Up = random.Floats(h * config.Intermediate, hiddenScale),
                    UpBias = random.Floats(config.Intermediate, 0.1f),
                    Down = random.Floats(config.Intermediate * h, upScale),
                    DownBias = random.Floats(h, 0.1f),
                    OutputNormGamma = random.Floats(h, 0.2f, offset: 1f),
                    OutputNormBeta = random.Floats(h, 0.1f),
                });
            }

            Layers = layers;
        }

        public BertConfig Config { get; }
        public float[] WordEmbeddings { get; }
        public float[] PositionEmbeddings { get; }
        public float[] TokenTypeEmbeddings { get; }
        public float[] EmbeddingNormGamma { get; }
        public float[] EmbeddingNormBeta { get; }
        public IReadOnlyList<BertLayerWeights> Layers { get; }

        /// <summary>Creates the weights for <paramref name="config"/> (deterministic in its seed).</summary>
        public static BertModel Create(BertConfig config) => new(config);

        /// <summary>Serialises the model as ONNX.</summary>
        public byte[] ToOnnx()
        {
            BertConfig c = Config;
            int h = c.Hidden;
            int dh = h / c.Heads;
            var g = new OnnxGraph();
            string ids = g.Input(c.InputIdsName, OnnxElementType.Int64, "batch", "sequence");
            string mask = g.Input("attention_mask", OnnxElementType.Int64, "batch", "sequence");
            string? types = c.TokenTypes ? g.Input("token_type_ids", OnnxElementType.Int64, "batch", "sequence") : null;

            string x = g.Node("Gather", new[] { g.Weights("word_embeddings", WordEmbeddings, c.VocabSize, h), ids });
            string sequenceLength = g.Node("Gather", new[] { g.Node("Shape", new[] { ids }), g.Int64s("one_scalar", new[] { 1L }) });
            string positions = g.Node("Range", new[] { g.Int64s("zero_scalar", new[] { 0L }), sequenceLength, "one_scalar" });
            x = g.Node("Add", new[] { x, g.Node("Gather", new[] { g.Weights("position_embeddings", PositionEmbeddings, c.MaxPositions, h), positions }) });
            if (types != null)
            {
                x = g.Node("Add", new[] { x, g.Node("Gather", new[] { g.Weights("token_type_embeddings", TokenTypeEmbeddings, 2, h), types }) });
            }

            x = LayerNorm(g, x, EmbeddingNormGamma, EmbeddingNormBeta, h);

            // Padding positions get -10000 added to their attention scores, as BERT's extended attention mask does.
            string maskFloat = g.Node("Cast", new[] { mask }, ("to", 1));
            string maskBias = g.Node("Mul", new[] { g.Node("Sub", new[] { g.Scalar(1f), maskFloat }), g.Scalar(-10000f) });
            maskBias = g.Node("Unsqueeze", new[] { maskBias, g.Int64Vector(1, 2) });
            string splitHeads = g.Int64Vector(0, 0, c.Heads, dh);
            string mergeHeads = g.Int64Vector(0, 0, h);
            string scale = g.Scalar(1f / MathF.Sqrt(dh));

            foreach (BertLayerWeights w in Layers)
            {
                string q = g.Node("Transpose", new[] { g.Node("Reshape", new[] { Dense(g, x, w.Query, w.QueryBias, h, h), splitHeads }) }, ("perm", new long[] { 0, 2, 1, 3 }));
                string k = g.Node("Transpose", new[] { g.Node("Reshape", new[] { Dense(g, x, w.Key, w.KeyBias, h, h), splitHeads }) }, ("perm", new long[] { 0, 2, 3, 1 }));
                string v = g.Node("Transpose", new[] { g.Node("Reshape", new[] { Dense(g, x, w.Value, w.ValueBias, h, h), splitHeads }) }, ("perm", new long[] { 0, 2, 1, 3 }));
                string scores = g.Node("Add", new[] { g.Node("Mul", new[] { g.Node("MatMul", new[] { q, k }), scale }), maskBias });
                string probabilities = g.Node("Softmax", new[] { scores }, ("axis", -1));
                string context = g.Node("Transpose", new[] { g.Node("MatMul", new[] { probabilities, v }) }, ("perm", new long[] { 0, 2, 1, 3 }));
                context = g.Node("Reshape", new[] { context, mergeHeads });
                string attention = Dense(g, context, w.AttentionOut, w.AttentionOutBias, h, h);
                x = LayerNorm(g, g.Node("Add", new[] { attention, x }), w.AttentionNormGamma, w.AttentionNormBeta, h);

                string up = Dense(g, x, w.Up, w.UpBias, h, c.Intermediate);
                string erf = g.Node("Erf", new[] { g.Node("Mul", new[] { up, g.Scalar(1f / MathF.Sqrt(2f)) }) });
                string gelu = g.Node("Mul", new[] { g.Node("Mul", new[] { up, g.Scalar(0.5f) }), g.Node("Add", new[] { erf, g.Scalar(1f) }) });
                string down = Dense(g, gelu, w.Down, w.DownBias, c.Intermediate, h);
                x = LayerNorm(g, g.Node("Add", new[] { down, x }), w.OutputNormGamma, w.OutputNormBeta, h);
            }

            if (c.PooledOutput)
            {
                g.NodeTo(c.OutputName, "ReduceMean", new[] { x }, ("axes", new long[] { 1 }), ("keepdims", 0));
                g.Output(c.OutputName, OnnxElementType.Float, "batch", h);
            }
            else
            {
                g.NodeTo(c.OutputName, "Identity", new[] { x });
                g.Output(c.OutputName, OnnxElementType.Float, "batch", "sequence", h);
            }

            return g.ToModelBytes();
        }

        /// <summary>Writes model.onnx into <paramref name="directory"/> (created if needed) and returns its path.</summary>
        public string WriteModel(string directory)
        {
            Directory.CreateDirectory(directory);
            string path = Path.Combine(directory, "model.onnx");
            File.WriteAllBytes(path, ToOnnx());
            return path;
        }

        /// <summary>
        /// A WordPiece vocabulary of exactly <see cref="BertConfig.VocabSize"/> entries: the special tokens at BERT's ids
        /// ([PAD]=0, [UNK]=100, [CLS]=101, [SEP]=102, [MASK]=103 when the vocabulary is large enough, else 0..4), then
        /// <paramref name="words"/>, then filler tokens.
        /// </summary>
        public static string[] Vocabulary(int size, IReadOnlyList<string> words)
        {
            var vocab = new string[size];
            bool bertIds = size > 110;
            (string Token, int Id)[] specials = bertIds
                ? new[] { ("[PAD]", 0), ("[UNK]", 100), ("[CLS]", 101), ("[SEP]", 102), ("[MASK]", 103) }
                : new[] { ("[PAD]", 0), ("[UNK]", 1), ("[CLS]", 2), ("[SEP]", 3), ("[MASK]", 4) };
            foreach ((string token, int id) in specials)
            {
                vocab[id] = token;
            }

            int next = 0;
            foreach (string word in words)
            {
                while (vocab[next] != null)
                {
                    next++;
                }

                vocab[next] = word;
            }

            for (int i = 0; i < size; i++)
            {
                vocab[i] ??= $"[unused{i}]";
            }

            return vocab;
        }

        /// <summary>Writes vocab.txt (one token per line, id = line number).</summary>
        public static void WriteVocabulary(string directory, IReadOnlyList<string> vocab)
        {
            Directory.CreateDirectory(directory);
            var text = new StringBuilder();
            foreach (string token in vocab)
            {
                text.Append(token).Append('\n');
            }

            File.WriteAllText(Path.Combine(directory, "vocab.txt"), text.ToString());
        }

        private string Dense(OnnxGraph g, string x, float[] weights, float[] bias, int rows, int columns)
        {
            string b = g.Weights($"b_{Guid.NewGuid():N}", bias, columns);
            if (!Config.Int8Weights)
            {
                return g.Node("Add", new[] { g.Node("MatMul", new[] { x, g.Weights($"w_{Guid.NewGuid():N}", weights, rows, columns) }), b });
            }

            float max = 0;
            foreach (float w in weights)
            {
                max = Math.Max(max, Math.Abs(w));
            }

            float scale = max / 127f;
            var quantised = new sbyte[weights.Length];
            for (int i = 0; i < weights.Length; i++)
            {
                quantised[i] = (sbyte)Math.Clamp(MathF.Round(weights[i] / scale), -127, 127);
            }

            string[] xq = g.NodeWithOutputs("DynamicQuantizeLinear", new[] { x }, 3);
            string wq = g.Int8s($"wq_{Guid.NewGuid():N}", quantised, rows, columns);
            string wZero = g.Int8s($"wz_{Guid.NewGuid():N}", new sbyte[] { 0 });
            string product = g.Node("MatMulInteger", new[] { xq[0], wq, xq[2], wZero });
            string rescale = g.Node("Mul", new[] { xq[1], g.Scalar(scale) });
            string y = g.Node("Mul", new[] { g.Node("Cast", new[] { product }, ("to", 1)), rescale });
            return g.Node("Add", new[] { y, b });
        }

        private static string LayerNorm(OnnxGraph g, string x, float[] gamma, float[] beta, int h) =>
            g.Node("LayerNormalization", new[] { x, g.Weights($"g_{Guid.NewGuid():N}", gamma, h), g.Weights($"beta_{Guid.NewGuid():N}", beta, h) }, ("axis", -1), ("epsilon", LayerNormEpsilon));
    }

    /// <summary>xorshift64*: fast, deterministic across platforms, good enough for random weights.</summary>
    internal sealed class SeededRandom
    {
        private ulong _state;

        public SeededRandom(int seed) => _state = 0x9E3779B97F4A7C15UL ^ (ulong)(uint)seed * 0xBF58476D1CE4E5B9UL | 1;

        public float[] Floats(int count, float scale, float offset = 0f)
        {
            var values = new float[count];
            for (int i = 0; i < count; i++)
            {
                _state ^= _state >> 12;
                _state ^= _state << 25;
                _state ^= _state >> 27;
                ulong r = _state * 2685821657736338717UL;
                float unit = (r >> 40) / (float)(1UL << 24); // [0, 1)
                values[i] = offset + scale * (2f * unit - 1f);
            }

            return values;
        }
    }
}
