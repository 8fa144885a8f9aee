using System;
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

    /// <summary>Row-major prompt embeddings, one unit-length row per prompt (all-zero rows stay zero).</summary>
    public sealed class EmbeddingMatrix
    {
        /// <summary>Wraps a row-major buffer.</summary>
        public EmbeddingMatrix(float[] data, int rows, int dimension)
        {
            ArgumentNullException.ThrowIfNull(data);
            if (data.Length != (long)rows * dimension)
            {
                throw new ArgumentException("data must hold rows × dimension values.", nameof(data));
            }

            Data = data;
            Rows = rows;
            Dimension = dimension;
        }

        /// <summary>The row-major values.</summary>
        public float[] Data { get; }

        /// <summary>Number of rows (prompts).</summary>
        public int Rows { get; }

        /// <summary>Length of a row.</summary>
        public int Dimension { get; }

        /// <summary>One row.</summary>
        public ReadOnlySpan<float> Row(int row) => Data.AsSpan(row * Dimension, Dimension);
    }
}
