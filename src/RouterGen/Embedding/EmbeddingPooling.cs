// Shared between the runtime and the source generator (linked source, netstandard2.0): the profile reader parses
// pooling with this file, the identity string and the profile writer format with it, and the ONNX embedder switches on it.
using System;

namespace RouterGen.Embedding
{
    /// <summary>How a sentence-transformer turns its token vectors into one embedding.</summary>
    public enum EmbeddingPooling
    {
        /// <summary>Average of the token vectors under the attention mask (sentence-transformers' default).</summary>
        Mean = 0,

        /// <summary>The vector of the first ([CLS]) token.</summary>
        Cls = 1,
    }

    /// <summary>The text names of <see cref="EmbeddingPooling"/> values, as profiles and embedder identities write them.</summary>
    public static class EmbeddingPoolingNames
    {
        /// <summary>The name of <see cref="EmbeddingPooling.Mean"/>.</summary>
        public const string Mean = "mean";

        /// <summary>The name of <see cref="EmbeddingPooling.Cls"/>.</summary>
        public const string Cls = "cls";

        /// <summary>The names accepted, for error messages: "mean" or "cls".</summary>
        public const string Expected = "\"" + Mean + "\" or \"" + Cls + "\"";

        /// <summary>The name of <paramref name="pooling"/>.</summary>
        public static string Format(EmbeddingPooling pooling) => pooling == EmbeddingPooling.Cls ? Cls : Mean;

        /// <summary>Parses a pooling name; <paramref name="ignoreCase"/> for names typed by people (CLI, options).</summary>
        public static bool TryParse(string? name, out EmbeddingPooling pooling, bool ignoreCase = false)
        {
            StringComparison comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            if (string.Equals(name, Mean, comparison))
            {
                pooling = EmbeddingPooling.Mean;
                return true;
            }

            if (string.Equals(name, Cls, comparison))
            {
                pooling = EmbeddingPooling.Cls;
                return true;
            }

            pooling = EmbeddingPooling.Mean;
            return false;
        }
    }
}
