using System.Collections.Generic;
using RouterGen.Embedding;
using RouterGen.Profiles;

namespace RouterGen.Fitting
{
    /// <summary>An embedder together with the definition a profile stores so that routers can rebuild or check it.</summary>
    /// <param name="Embedder">The embedder used for fitting.</param>
    /// <param name="Definition">What the profile records about it (kind, dimension, identity, parameters).</param>
    public sealed record EmbedderSetup(IEmbedder Embedder, EmbedderDefinition Definition)
    {
        /// <summary>Default dimension of the built-in embedder.</summary>
        public const int DefaultBuiltInDimension = 512;

        /// <summary>The built-in hashed n-gram embedder.</summary>
        public static EmbedderSetup BuiltIn(int dimension = DefaultBuiltInDimension, HashedNgramParameters? parameters = null)
        {
            parameters ??= new HashedNgramParameters();
            var embedder = new HashedNgramEmbedder(dimension, parameters);
            var definition = new EmbedderDefinition
            {
                Kind = EmbedderDefinition.HashedNgramsKind,
                Dimension = dimension,
                Identity = embedder.Identity,
                HashedNgrams = parameters,
            };
            return new EmbedderSetup(embedder, definition);
        }
    }

    /// <summary>
    /// Makes the embedder for one fit from that fit's prompts only (an embedder that learns, such as IDF bucket weights,
    /// must never see held-out prompts). Most factories ignore the prompts and return the same embedder every time.
    /// </summary>
    public delegate EmbedderSetup EmbedderFactory(IReadOnlyList<string> fitPrompts);
}
