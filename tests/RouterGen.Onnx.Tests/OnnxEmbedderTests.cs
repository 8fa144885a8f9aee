using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using RouterGen.Embedding;
using RouterGen.Onnx.TestModels;
using RouterGen.Profiles;
using Xunit;

namespace RouterGen.Onnx.Tests
{
    public sealed class OnnxEmbedderTests : IDisposable
    {
        private readonly TempFolder _folder = new();

        public void Dispose() => _folder.Dispose();

        [Theory]
        [InlineData(EmbeddingPooling.Mean, true)]
        [InlineData(EmbeddingPooling.Cls, true)]
        [InlineData(EmbeddingPooling.Mean, false)]
        public void Embedding_matches_an_independent_forward_pass_pooling_and_normalisation(EmbeddingPooling pooling, bool tokenTypes)
        {
            BertModel model = SmallModels.Write(_folder.Path, SmallModels.Tiny with { TokenTypes = tokenTypes });
            using OnnxEmbedder embedder = OnnxEmbedder.Load(_folder.Path, new OnnxEmbedderOptions { Pooling = pooling });

            foreach (string prompt in new[] { "write python code to sort a list", "what is the capital of france?", "fix", "" })
            {
                IReadOnlyList<int> tokens = embedder.Tokenize(prompt);
                double[] expected = BertReference.SentenceEmbedding(model, tokens, mean: pooling == EmbeddingPooling.Mean);
                var actual = new float[embedder.Dimension];
                embedder.Embed(prompt, actual);

                Assert.Equal(16, actual.Length);
                for (int j = 0; j < actual.Length; j++)
                {
                    Assert.True(Math.Abs(expected[j] - actual[j]) < 2e-4, $"'{prompt}' component {j}: expected {expected[j]}, got {actual[j]}");
                }
            }
        }

        [Fact]
        public void Int8_quantised_graph_embeds_close_to_the_float_graph()
        {
            string fp32 = Path.Combine(_folder.Path, "fp32"), int8 = Path.Combine(_folder.Path, "int8");
            SmallModels.Write(fp32, SmallModels.Tiny with { Hidden = 32, Heads = 4, Intermediate = 64 });
            SmallModels.Write(int8, SmallModels.Tiny with { Hidden = 32, Heads = 4, Intermediate = 64, Int8Weights = true });
            Assert.True(new FileInfo(Path.Combine(int8, "model.onnx")).Length < new FileInfo(Path.Combine(fp32, "model.onnx")).Length);
            using OnnxEmbedder a = OnnxEmbedder.Load(fp32);
            using OnnxEmbedder b = OnnxEmbedder.Load(int8);
            Assert.NotEqual(a.Identity, b.Identity);
            foreach (string prompt in new[] { "write python code to sort a list", "a poem about the sea" })
            {
                float[] x = Embed(a, prompt), y = Embed(b, prompt);
                double cosine = x.Zip(y, (p, q) => (double)p * q).Sum();
                Assert.True(cosine > 0.97 && cosine < 1.0, $"cosine {cosine}");
            }
        }

        [Fact]
        public void Mean_and_cls_pooling_differ_and_both_are_unit_length()
        {
            SmallModels.Write(_folder.Path, SmallModels.Tiny);
            using OnnxEmbedder mean = OnnxEmbedder.Load(_folder.Path, new OnnxEmbedderOptions { Pooling = EmbeddingPooling.Mean });
            using OnnxEmbedder cls = OnnxEmbedder.Load(_folder.Path, new OnnxEmbedderOptions { Pooling = EmbeddingPooling.Cls });
            float[] a = Embed(mean, "summarize the article"), b = Embed(cls, "summarize the article");
            Assert.Equal(1.0, Math.Sqrt(a.Sum(v => (double)v * v)), 5);
            Assert.Equal(1.0, Math.Sqrt(b.Sum(v => (double)v * v)), 5);
            Assert.True(a.Zip(b, (x, y) => Math.Abs(x - y)).Max() > 1e-3);
            Assert.NotEqual(mean.Identity, cls.Identity);
        }

        [Theory]
        [InlineData(3, 8192, double.PositiveInfinity)] // fixed-size calls of 3, padded to the longest
        [InlineData(32, 8192, 0.0)] // only equal lengths share a call: no padding at all
        [InlineData(32, 10, 0.125)] // a 10-token budget: calls of one or two short prompts, long ones alone
        public void Batch_with_padding_equals_one_prompt_at_a_time(int batchSize, int maxBatchTokens, double maxPaddingRatio)
        {
            SmallModels.Write(_folder.Path, SmallModels.Tiny);
            using OnnxEmbedder embedder = OnnxEmbedder.Load(_folder.Path, new OnnxEmbedderOptions { BatchSize = batchSize, MaxBatchTokens = maxBatchTokens, MaxPaddingRatio = maxPaddingRatio });
            string[] prompts =
            {
                "fix the bug in my sql query", "poem", "translate the article to german please", "prove the theorem", "",
                "what is the capital of france? what is the capital of germany?", "sorting lists",
            };
            var batch = new float[prompts.Length * embedder.Dimension];
            embedder.EmbedBatch(prompts, batch);
            for (int i = 0; i < prompts.Length; i++)
            {
                float[] single = Embed(embedder, prompts[i]);
                for (int j = 0; j < single.Length; j++)
                {
                    Assert.True(Math.Abs(single[j] - batch[(i * embedder.Dimension) + j]) < 1e-4, $"prompt {i} component {j}");
                }
            }
        }

        [Fact]
        public void Prefix_is_prepended_and_recorded_in_the_identity()
        {
            SmallModels.Write(_folder.Path, SmallModels.Tiny);
            using OnnxEmbedder plain = OnnxEmbedder.Load(_folder.Path);
            using OnnxEmbedder prefixed = OnnxEmbedder.Load(_folder.Path, new OnnxEmbedderOptions { Prefix = "query: " });
            Assert.Equal(Embed(plain, "query: sort a list"), Embed(prefixed, "sort a list"));
            Assert.Equal(plain.Tokenize("query: sort a list"), prefixed.Tokenize("sort a list"));
            Assert.NotEqual(Embed(plain, "sort a list"), Embed(prefixed, "sort a list"));
            Assert.Contains("prefix=query: ", prefixed.Identity, StringComparison.Ordinal);
            Assert.NotEqual(plain.Identity, prefixed.Identity);
        }

        [Fact]
        public void Long_prompts_are_truncated_to_max_tokens_ending_with_sep()
        {
            SmallModels.Write(_folder.Path, SmallModels.Tiny);
            using OnnxEmbedder embedder = OnnxEmbedder.Load(_folder.Path, new OnnxEmbedderOptions { MaxTokens = 10 });
            string prompt = string.Join(' ', Enumerable.Repeat("sort the list", 50));
            IReadOnlyList<int> tokens = embedder.Tokenize(prompt);

            // [CLS] sort the list sort the list sort the [SEP] with the tiny vocabulary's ids (special tokens 0..4, words from 5).
            int cls = 2, sep = 3, sort = 5 + Array.IndexOf(SmallModels.Words, "sort"), the = 5, list = 5 + Array.IndexOf(SmallModels.Words, "list");
            Assert.Equal(new[] { cls, sort, the, list, sort, the, list, sort, the, sep }, tokens);
            float[] e = Embed(embedder, prompt);
            Assert.Equal(1.0, Math.Sqrt(e.Sum(v => (double)v * v)), 5);
            Assert.Equal(10, embedder.Parameters.MaxTokens);
        }

        [Fact]
        public void Token_limit_is_capped_by_the_models_position_embeddings()
        {
            SmallModels.Write(_folder.Path, SmallModels.Tiny);
            File.WriteAllText(Path.Combine(_folder.Path, "config.json"), "{\"max_position_embeddings\": 64}");
            using (OnnxEmbedder embedder = OnnxEmbedder.Load(_folder.Path))
            {
                Assert.Equal(64, embedder.Parameters.MaxTokens);
                Assert.Equal(64, embedder.Tokenize(string.Join(' ', Enumerable.Repeat("poem", 500))).Count);
            }

            var e = Assert.Throws<OnnxModelException>(() => OnnxEmbedder.Load(_folder.Path, new OnnxEmbedderOptions { MaxTokens = 65 }));
            Assert.Contains("at most 64 tokens", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Identity_records_the_model_hash_and_dimension()
        {
            SmallModels.Write(_folder.Path, SmallModels.Tiny);
            string sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(_folder.Path, "model.onnx"))));
            using OnnxEmbedder embedder = OnnxEmbedder.Load(_folder.Path);
            EmbedderDefinition definition = embedder.Definition;
            Assert.Equal(EmbedderDefinition.OnnxKind, definition.Kind);
            Assert.Equal(16, definition.Dimension);
            Assert.Equal(sha, definition.Onnx!.ModelSha256);
            Assert.Equal(EmbeddingPooling.Mean, definition.Onnx.Pooling);
            Assert.Equal(EmbedderIdentity.ForOnnx(16, definition.Onnx), definition.Identity);
            Assert.Equal(definition.Identity, embedder.Identity);
        }

        [Fact]
        public void Folder_settings_choose_pooling_and_case()
        {
            SmallModels.Write(_folder.Path, SmallModels.Tiny);
            Directory.CreateDirectory(Path.Combine(_folder.Path, "1_Pooling"));
            File.WriteAllText(Path.Combine(_folder.Path, "1_Pooling", "config.json"), "{\"pooling_mode_cls_token\": true, \"pooling_mode_mean_tokens\": false}");
            File.WriteAllText(Path.Combine(_folder.Path, "tokenizer_config.json"), "{\"do_lower_case\": false, \"model_max_length\": 12}");
            using OnnxEmbedder embedder = OnnxEmbedder.Load(_folder.Path);
            Assert.Equal(EmbeddingPooling.Cls, embedder.Parameters.Pooling);
            Assert.Equal(12, embedder.Parameters.MaxTokens);

            // Cased: "Sort" is not in the (lower-case) vocabulary, so it becomes [UNK] (id 1).
            Assert.Equal(new[] { 2, 1, 5 + Array.IndexOf(SmallModels.Words, "list"), 3 }, embedder.Tokenize("Sort list"));
        }

        [Fact]
        public void Sentence_transformers_query_prompt_is_the_default_prefix()
        {
            SmallModels.Write(_folder.Path, SmallModels.Tiny);
            File.WriteAllText(Path.Combine(_folder.Path, "config_sentence_transformers.json"), "{\"prompts\": {\"query\": \"query: \", \"passage\": \"passage: \"}}");
            using OnnxEmbedder fromFolder = OnnxEmbedder.Load(_folder.Path);
            using OnnxEmbedder overridden = OnnxEmbedder.Load(_folder.Path, new OnnxEmbedderOptions { Prefix = "" });
            Assert.Equal("query: ", fromFolder.Parameters.Prefix);
            Assert.Null(overridden.Parameters.Prefix);
            Assert.Equal(overridden.Tokenize("query: sort a list"), fromFolder.Tokenize("sort a list"));
        }

        [Fact]
        public void Steady_state_single_prompt_allocates_only_what_the_tokenizer_allocates()
        {
            SmallModels.Write(_folder.Path, SmallModels.Tiny);
            using OnnxEmbedder embedder = OnnxEmbedder.Load(_folder.Path);
            var destination = new float[embedder.Dimension];
            const string prompt = "write python code to sort a list";
            for (int i = 0; i < 20; i++)
            {
                embedder.Embed(prompt, destination);
                embedder.Tokenize(prompt);
            }

            // The minimum over several rounds: a one-off allocation somewhere in the process (a lazy initialisation, a
            // runtime cache filling) once made a single round 36 B/call over; a per-call allocation shows in every round.
            long perEmbed = long.MaxValue, perTokenize = long.MaxValue;
            for (int round = 0; round < 5; round++)
            {
                perEmbed = Math.Min(perEmbed, BytesPerCall(() => embedder.Embed(prompt, destination)));
                perTokenize = Math.Min(perTokenize, BytesPerCall(() => embedder.Tokenize(prompt)));
            }

            // Inference and pooling add nothing to the managed heap: the whole call costs what tokenisation costs.
            Assert.True(perEmbed <= perTokenize, $"Embed allocated {perEmbed} B/call; tokenisation alone {perTokenize} B/call.");
        }

        private static long BytesPerCall(Action call)
        {
            const int calls = 200;
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++)
            {
                call();
            }

            return (GC.GetAllocatedBytesForCurrentThread() - before) / calls;
        }

        [Fact]
        public void Router_fit_with_one_model_refuses_another_and_names_both()
        {
            string first = Path.Combine(_folder.Path, "first"), second = Path.Combine(_folder.Path, "second");
            SmallModels.Write(first, SmallModels.Tiny);
            SmallModels.Write(second, SmallModels.Tiny with { Seed = 2 });
            using OnnxEmbedder a = OnnxEmbedder.Load(first);
            using OnnxEmbedder b = OnnxEmbedder.Load(second);

            ProfileDefinition profile = ProfileFitting.TwoClusterProfile(a, "sort a list", "poem about the sea");
            var router = RouterGen.Routing.RouterProfile.FromDefinition(profile);
            var mismatch = Assert.Throws<EmbedderMismatchException>(() => router.CreatePromptRouter(b));
            Assert.Contains(a.Identity, mismatch.Message, StringComparison.Ordinal);
            Assert.Contains(b.Identity, mismatch.Message, StringComparison.Ordinal);

            var reload = Assert.Throws<EmbedderMismatchException>(() => OnnxEmbedder.LoadForProfile(second, profile.Embedder));
            Assert.Contains(a.Parameters.ModelSha256, reload.Message, StringComparison.Ordinal);
            Assert.Contains(b.Parameters.ModelSha256, reload.Message, StringComparison.Ordinal);

            using OnnxEmbedder same = OnnxEmbedder.LoadForProfile(first, profile.Embedder);
            Assert.Equal(a.Identity, same.Identity);
        }

        private static float[] Embed(OnnxEmbedder embedder, string text)
        {
            var e = new float[embedder.Dimension];
            embedder.Embed(text, e);
            return e;
        }
    }
}
