using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace RouterGen.Fitting
{
    /// <summary>
    /// The leading principal directions of some embeddings (centred on their mean): block subspace iteration on the
    /// d × d scatter matrix, then a Rayleigh–Ritz step so the returned directions are its eigenvectors within the subspace.
    /// The learned estimator fits in these coordinates: a few dozen coordinates hold most of an embedding's variance, and
    /// an L2-regularised linear model barely uses the rest (ridge shrinks low-variance directions hardest), so fitting
    /// there costs a fraction of the full dimension for almost the same model.
    /// </summary>
    public sealed class PrincipalSubspace
    {
        private PrincipalSubspace(double[] mean, double[] basis, double[] scatter, int rank, int dimension)
        {
            Mean = mean;
            Basis = basis;
            Scatter = scatter;
            Rank = rank;
            Dimension = dimension;
        }

        /// <summary>Mean embedding of the rows the subspace was fit on.</summary>
        public double[] Mean { get; }

        /// <summary>Row-major rank × dimension orthonormal directions, by decreasing scatter.</summary>
        public double[] Basis { get; }

        /// <summary>Sum of squared centred coordinates along each direction over the fit rows (eigenvalue of the scatter matrix).</summary>
        public double[] Scatter { get; }

        /// <summary>Number of directions.</summary>
        public int Rank { get; }

        /// <summary>Embedding dimension.</summary>
        public int Dimension { get; }

        /// <summary>Fits up to <paramref name="rank"/> directions on <paramref name="rows"/>; deterministic for a seed.</summary>
        public static PrincipalSubspace Fit(EmbeddingMatrix embeddings, IReadOnlyList<int> rows, int rank, ulong seed, int iterations = 8)
        {
            ArgumentNullException.ThrowIfNull(embeddings);
            ArgumentNullException.ThrowIfNull(rows);
            int d = embeddings.Dimension;
            rank = Math.Clamp(rank, 1, Math.Min(d, Math.Max(1, rows.Count - 1)));
            int block = Math.Min(d, rank + 8);
            var mean = new double[d];
            var centred = new double[d];
            foreach (int row in rows)
            {
                ReadOnlySpan<float> x = embeddings.Row(row);
                for (int j = 0; j < d; j++)
                {
                    mean[j] += x[j];
                }
            }

            TensorPrimitives.Divide(mean, Math.Max(1, rows.Count), mean);

            // Scatter matrix S = Σ (x − μ)(x − μ)ᵀ, one rank-1 update per row (rows in order: deterministic sums).
            var scatter = new double[d * d];
            foreach (int row in rows)
            {
                ReadOnlySpan<float> x = embeddings.Row(row);
                for (int j = 0; j < d; j++)
                {
                    centred[j] = x[j] - mean[j];
                }

                for (int j = 0; j < d; j++)
                {
                    if (centred[j] != 0)
                    {
                        Span<double> target = scatter.AsSpan(j * d, d);
                        TensorPrimitives.MultiplyAdd(centred, centred[j], target, target);
                    }
                }
            }

            // Block power iteration: Q ← orth(S Q).
            var q = new double[block * d];
            var random = new SeededRandom(seed, 0x9CA);
            for (int i = 0; i < q.Length; i++)
            {
                q[i] = random.NextDouble() - 0.5;
            }

            Orthonormalise(q, block, d);
            var product = new double[block * d];
            for (int it = 0; it < iterations; it++)
            {
                Multiply(scatter, q, product, block, d);
                Array.Copy(product, q, q.Length);
                Orthonormalise(q, block, d);
            }

            // Rayleigh–Ritz: eigen-decompose B = Qᵀ S Q (block × block) and rotate Q by its eigenvectors.
            Multiply(scatter, q, product, block, d);
            var projected = new double[block * block];
            for (int a = 0; a < block; a++)
            {
                for (int b = 0; b < block; b++)
                {
                    projected[(a * block) + b] = TensorPrimitives.Dot(q.AsSpan(a * d, d), product.AsSpan(b * d, d));
                }
            }

            SymmetricEigen.Decompose(projected, block, out double[] values, out double[] vectors);
            var basis = new double[rank * d];
            var variance = new double[rank];
            for (int r = 0; r < rank; r++)
            {
                variance[r] = Math.Max(0, values[r]);
                Span<double> direction = basis.AsSpan(r * d, d);
                for (int a = 0; a < block; a++)
                {
                    TensorPrimitives.MultiplyAdd(q.AsSpan(a * d, d), vectors[(a * block) + r], direction, direction);
                }
            }

            return new PrincipalSubspace(mean, basis, variance, rank, d);
        }

        /// <summary>Coordinates of <paramref name="embedding"/> − mean along each direction.</summary>
        public void Project(ReadOnlySpan<float> embedding, Span<double> coordinates, Span<double> scratch)
        {
            for (int j = 0; j < Dimension; j++)
            {
                scratch[j] = embedding[j] - Mean[j];
            }

            for (int r = 0; r < Rank; r++)
            {
                coordinates[r] = TensorPrimitives.Dot(Basis.AsSpan(r * Dimension, Dimension), scratch[..Dimension]);
            }
        }

        private static void Multiply(double[] matrix, double[] columns, double[] result, int count, int d)
        {
            for (int c = 0; c < count; c++)
            {
                ReadOnlySpan<double> column = columns.AsSpan(c * d, d);
                for (int i = 0; i < d; i++)
                {
                    result[(c * d) + i] = TensorPrimitives.Dot(matrix.AsSpan(i * d, d), column);
                }
            }
        }

        // Modified Gram–Schmidt over row-major vectors; a vector that collapses is replaced by a unit axis not yet spanned.
        private static void Orthonormalise(double[] vectors, int count, int d)
        {
            for (int a = 0; a < count; a++)
            {
                Span<double> v = vectors.AsSpan(a * d, d);
                for (int pass = 0; pass < 2; pass++)
                {
                    for (int b = 0; b < a; b++)
                    {
                        ReadOnlySpan<double> u = vectors.AsSpan(b * d, d);
                        TensorPrimitives.MultiplyAdd(u, -TensorPrimitives.Dot(u, v), v, v);
                    }
                }

                double norm = TensorPrimitives.Norm(v);
                if (norm < 1e-12)
                {
                    v.Clear();
                    v[a % d] = 1;
                    for (int b = 0; b < a; b++)
                    {
                        ReadOnlySpan<double> u = vectors.AsSpan(b * d, d);
                        TensorPrimitives.MultiplyAdd(u, -TensorPrimitives.Dot(u, v), v, v);
                    }

                    norm = Math.Max(TensorPrimitives.Norm(v), 1e-300);
                }

                TensorPrimitives.Divide(v, norm, v);
            }
        }
    }
}
