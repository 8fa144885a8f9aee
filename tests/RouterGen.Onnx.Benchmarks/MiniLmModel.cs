using System;
using System.IO;
using RouterGen.Onnx.TestModels;

namespace RouterGen.Onnx.Benchmarks
{
    /// <summary>
    /// all-MiniLM-L6-v2's architecture with random weights (the same compute as the real model), generated once into a
    /// cache folder under the temp directory (about 90 MB; never committed). Uses the real vocabulary from
    /// ../shared/data/minilm-tokenizer when present, else a synthetic one of the same size.
    /// </summary>
    public static class MiniLmModel
    {
        public const string Word = "hello";

        /// <param name="int8">Dense weights as int8 with dynamic activation quantisation (as onnxruntime's quantize_dynamic writes).</param>
        public static string EnsureFolder(bool int8 = false)
        {
            string folder = Path.Combine(Path.GetTempPath(), "routergen-bench", int8 ? "minilm-l6-random-int8-v1" : "minilm-l6-random-v1");
            string model = Path.Combine(folder, "model.onnx");
            if (!File.Exists(model))
            {
                Directory.CreateDirectory(folder);
                string temporary = model + ".tmp";
                File.WriteAllBytes(temporary, BertModel.Create(BertConfig.MiniLmL6 with { Int8Weights = int8 }).ToOnnx());
                File.Move(temporary, model, overwrite: true);
            }

            string vocab = Path.Combine(folder, "vocab.txt");
            if (!File.Exists(vocab))
            {
                string? shared = FindSharedVocabulary();
                if (shared != null)
                {
                    File.Copy(shared, vocab);
                }
                else
                {
                    BertModel.WriteVocabulary(folder, BertModel.Vocabulary(BertConfig.MiniLmL6.VocabSize, new[] { Word }));
                }
            }

            return folder;
        }

        /// <summary>A prompt of exactly <paramref name="tokens"/> tokens, [CLS] and [SEP] included.</summary>
        public static string Prompt(int tokens) => string.Join(' ', System.Linq.Enumerable.Repeat(Word, tokens - 2));

        private static string? FindSharedVocabulary()
        {
            string? dir = AppContext.BaseDirectory;
            while (dir != null && !File.Exists(Path.Combine(dir, "RouterGen.sln")))
            {
                dir = Path.GetDirectoryName(dir);
            }

            string? path = dir == null ? null : Path.Combine(dir, "..", "shared", "data", "minilm-tokenizer", "vocab.txt");
            return path != null && File.Exists(path) ? path : null;
        }
    }
}
