using System;

namespace RouterGen.Fitting
{
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
