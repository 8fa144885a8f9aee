using System;
using System.IO;
using RouterGen.Embedding;
using RouterGen.Onnx.TestModels;
using RouterGen.Profiles;
using Xunit;

namespace RouterGen.Onnx.Tests
{
    public sealed class BadModelFolderTests : IDisposable
    {
        private readonly TempFolder _folder = new();

        public void Dispose() => _folder.Dispose();

        [Fact]
        public void Missing_native_runtime_is_recognised_through_the_type_initialiser()
        {
            // What a NativeAOT binary without libonnxruntime beside it throws at the first native call.
            var missing = new DllNotFoundException("Unable to load shared library 'onnxruntime'");
            Assert.True(OnnxEmbedder.IsMissingNativeRuntime(missing));
            Assert.True(OnnxEmbedder.IsMissingNativeRuntime(new TypeInitializationException("Microsoft.ML.OnnxRuntime.NativeMethods", missing)));
            Assert.True(OnnxEmbedder.IsMissingNativeRuntime(new EntryPointNotFoundException("OrtGetApiBase")));
            Assert.False(OnnxEmbedder.IsMissingNativeRuntime(new InvalidOperationException("something else")));
            Assert.False(OnnxEmbedder.IsMissingNativeRuntime(new TypeInitializationException("X", new InvalidOperationException("other"))));
        }

        [Fact]
        public void Missing_folder_is_named()
        {
            string missing = Path.Combine(_folder.Path, "nope");
            var e = Assert.Throws<OnnxModelException>(() => OnnxEmbedder.Load(missing));
            Assert.Contains(missing, e.Message, StringComparison.Ordinal);
            Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Missing_model_file_is_named()
        {
            BertModel.WriteVocabulary(_folder.Path, BertModel.Vocabulary(64, SmallModels.Words));
            var e = Assert.Throws<OnnxModelException>(() => OnnxEmbedder.Load(_folder.Path));
            Assert.Contains("model.onnx", e.Message, StringComparison.Ordinal);
            Assert.Contains("has no model.onnx", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Missing_vocabulary_is_named()
        {
            BertModel.Create(SmallModels.Tiny).WriteModel(_folder.Path);
            var e = Assert.Throws<OnnxModelException>(() => OnnxEmbedder.Load(_folder.Path));
            Assert.Contains("neither vocab.txt nor tokenizer.json", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Corrupt_model_file_is_named()
        {
            SmallModels.Write(_folder.Path, SmallModels.Tiny);
            string model = Path.Combine(_folder.Path, "model.onnx");
            byte[] bytes = File.ReadAllBytes(model);
            File.WriteAllBytes(model, bytes.AsSpan(0, bytes.Length / 3).ToArray());
            var e = Assert.Throws<OnnxModelException>(() => OnnxEmbedder.Load(_folder.Path));
            Assert.StartsWith(model + ": ONNX Runtime cannot load the model", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Wrong_input_names_are_listed()
        {
            SmallModels.Write(_folder.Path, SmallModels.Tiny with { InputIdsName = "tokens" });
            var e = Assert.Throws<OnnxModelException>(() => OnnxEmbedder.Load(_folder.Path));
            Assert.Contains("model.onnx: input 'tokens' is not a BERT input", e.Message, StringComparison.Ordinal);
            Assert.Contains("'attention_mask'", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Wrong_output_rank_is_explained()
        {
            SmallModels.Write(_folder.Path, SmallModels.Tiny with { PooledOutput = true, OutputName = "sentence_embedding" });
            var e = Assert.Throws<OnnxModelException>(() => OnnxEmbedder.Load(_folder.Path));
            Assert.Contains("model.onnx: output 'sentence_embedding' has rank 2 ([batch, 16]); expected token vectors of rank 3", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Dimension_other_than_the_profiles_is_refused()
        {
            string small = Path.Combine(_folder.Path, "small"), wide = Path.Combine(_folder.Path, "wide");
            SmallModels.Write(small, SmallModels.Tiny);
            SmallModels.Write(wide, SmallModels.Tiny with { Hidden = 24, Heads = 3 });
            EmbedderDefinition profileEmbedder;
            using (OnnxEmbedder embedder = OnnxEmbedder.Load(small))
            {
                profileEmbedder = embedder.Definition;
            }

            var e = Assert.Throws<EmbedderMismatchException>(() => OnnxEmbedder.LoadForProfile(wide, profileEmbedder));
            Assert.Contains(Path.Combine(wide, "model.onnx"), e.Message, StringComparison.Ordinal);
            Assert.Contains("dimension 24", e.Message, StringComparison.Ordinal);
            Assert.Contains("dimension 16", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Malformed_tokenizer_config_names_file_and_field()
        {
            SmallModels.Write(_folder.Path, SmallModels.Tiny);
            string config = Path.Combine(_folder.Path, "tokenizer_config.json");
            File.WriteAllText(config, "{\"do_lower_case\": \"yes\"}");
            var e = Assert.Throws<OnnxModelException>(() => OnnxEmbedder.Load(_folder.Path));
            Assert.Equal($"{config}: field 'do_lower_case' must be true, false or null, not string.", e.Message);

            File.WriteAllText(config, "{\n\"do_lower_case\": tru }");
            e = Assert.Throws<OnnxModelException>(() => OnnxEmbedder.Load(_folder.Path));
            Assert.StartsWith($"{config}: line 2: not valid JSON", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Unknown_pooling_is_refused()
        {
            SmallModels.Write(_folder.Path, SmallModels.Tiny);
            var e = Assert.Throws<OnnxModelException>(() => OnnxEmbedder.Load(_folder.Path, new OnnxEmbedderOptions { Pooling = (EmbeddingPooling)7 }));
            Assert.Contains("Pooling '7'", e.Message, StringComparison.Ordinal);
        }
    }
}
