using System;
using System.CommandLine;
using RouterGen.Fitting;

namespace RouterGen.Cli
{
    /// <summary>
    /// The <c>--embedding-cache &lt;dir&gt;|off</c> option of fit, eval, embed and calibrate: where ONNX embeddings are
    /// kept between runs (see <see cref="EmbeddingCache"/>). The built-in embedder is never cached: it embeds a prompt
    /// faster than an entry can be read.
    /// </summary>
    internal static class EmbeddingCacheOption
    {
        public const string Off = "off";

        public static Option<string?> Create() => new("--embedding-cache")
        {
            Description = $"Folder for cached ONNX embeddings, keyed by model identity and prompt hash (default: {EmbeddingCache.DefaultDirectory}), or '{Off}'.",
        };

        /// <summary>The cache the option names, or null when it is off.</summary>
        public static EmbeddingCache? Resolve(string? value) =>
            string.Equals(value, Off, StringComparison.OrdinalIgnoreCase) ? null : new EmbeddingCache(string.IsNullOrEmpty(value) ? EmbeddingCache.DefaultDirectory : value);
    }
}
