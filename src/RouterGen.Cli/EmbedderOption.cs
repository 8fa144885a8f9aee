using System;
using System.CommandLine;
using System.Globalization;
using RouterGen.Fitting;
using RouterGen.Onnx;
using RouterGen.Embedding;
using RouterGen.Profiles;

namespace RouterGen.Cli
{
    /// <summary>
    /// The <c>--embedder</c> option of fit, eval and calibrate: <c>builtin</c> (the hashed n-gram embedder, default
    /// dimension 512), <c>builtin:&lt;dimension&gt;</c>, or <c>onnx:&lt;dir&gt;</c> (a sentence-transformer export).
    /// </summary>
    internal static class EmbedderOption
    {
        /// <summary>The option, defaulting to <c>builtin</c>.</summary>
        public static Option<string> Create() => new("--embedder")
        {
            Description = "builtin | builtin:<dimension> | onnx:<dir> — how prompts are embedded (stored in the profile).",
            DefaultValueFactory = _ => "builtin",
        };

        /// <summary>Parses the option into a factory of embedders (fit-time embedders that learn see only fit prompts).</summary>
        /// <exception cref="UserInputException">The value is not understood.</exception>
        public static EmbedderFactory Parse(string value, EmbeddingCache? cache = null)
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value == "builtin")
            {
                EmbedderSetup setup = EmbedderSetup.BuiltIn();
                return _ => setup;
            }

            if (value.StartsWith("builtin:", StringComparison.Ordinal))
            {
                if (!int.TryParse(value.AsSpan("builtin:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out int dimension) || dimension < 1 || dimension > 8192)
                {
                    throw new UserInputException($"--embedder {value}: expected builtin:<dimension> with a dimension from 1 to 8192.");
                }

                EmbedderSetup setup = EmbedderSetup.BuiltIn(dimension);
                return _ => setup;
            }

            if (value.StartsWith("onnx:", StringComparison.Ordinal))
            {
                OnnxEmbedder embedder = LoadOnnx(value, directory => OnnxEmbedder.Load(directory, FittingOptions()));
                var setup = new EmbedderSetup(Cached(embedder, cache), embedder.Definition);
                return _ => setup;
            }

            throw new UserInputException($"--embedder {value}: expected builtin, builtin:<dimension> or onnx:<dir>.");
        }

        /// <summary>The embedder a profile was fit with, rebuilt from its definition (built-in only), else from the option.</summary>
        public static EmbedderSetup ForProfile(EmbedderDefinition definition, string? option, EmbeddingCache? cache = null)
        {
            ArgumentNullException.ThrowIfNull(definition);
            if (option is null && definition.Kind == EmbedderDefinition.HashedNgramsKind)
            {
                return EmbedderSetup.BuiltIn(definition.Dimension, definition.HashedNgrams ?? new HashedNgramParameters());
            }

            if (option is null)
            {
                throw new UserInputException($"The profile was fit with a '{definition.Kind}' embedder; pass --embedder onnx:<dir> with the same model.");
            }

            if (definition.Kind == EmbedderDefinition.OnnxKind && option.StartsWith("onnx:", StringComparison.Ordinal))
            {
                // The profile's pooling, prefix and token limit, and a check that this is the very model it was fit with.
                OnnxEmbedder embedder = LoadOnnx(option, directory => OnnxEmbedder.LoadForProfile(directory, definition));
                return new EmbedderSetup(Cached(embedder, cache), embedder.Definition);
            }

            return Parse(option, cache)(Array.Empty<string>());
        }

        private static IEmbedder Cached(OnnxEmbedder embedder, EmbeddingCache? cache) => cache is null ? embedder : cache.Wrap(embedder);

        // How the commands that embed whole data sets run the model, chosen by measurement (docs/benchmarks.md, "Embedding
        // for fitting"): one intra-op thread per core, graph nodes in order (parallel inter-op doubled the CPU time), and
        // no spinning: on a loaded 2-core machine spinning workers took 44% more CPU for no gain, while without spinning
        // the second thread costs ~10% CPU under load and halves the time on an idle machine.
        private static OnnxEmbedderOptions FittingOptions() => new() { IntraOpThreads = Environment.ProcessorCount, AllowSpinning = false };

        // The embedder lives as long as the process: commands run once and exit.
        private static OnnxEmbedder LoadOnnx(string value, Func<string, OnnxEmbedder> load)
        {
            string directory = value["onnx:".Length..];
            if (directory.Length == 0)
            {
                throw new UserInputException($"--embedder {value}: expected onnx:<dir>, the folder holding model.onnx and vocab.txt or tokenizer.json.");
            }

            try
            {
                return load(directory);
            }
            catch (OnnxModelException e)
            {
                throw new UserInputException($"--embedder {value}: {e.Message}", e);
            }
        }
    }
}
