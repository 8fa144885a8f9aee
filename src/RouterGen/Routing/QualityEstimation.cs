using System;
using System.Buffers;
using System.ComponentModel;
using System.Numerics.Tensors;

namespace RouterGen.Routing
{
    /// <summary>
    /// The per-prompt quality estimators of profile format version 2, written once: generated routers call these with their
    /// RVA data, <see cref="RouterProfile"/> with the arrays it loaded, and fitting with the estimator it just fit, so the
    /// three produce bit-identical predictions.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class QualityEstimation
    {
        // Soft clusters rank this many centroids' similarities on the stack (8 KiB); more are ranked in a rented array.
        private const int StackSimilarities = 1024;

        /// <summary>
        /// Every head's raw dot product with the embedding (row-major model × dimension <paramref name="weights"/>), eight
        /// heads per pass; the caller adds each model's bias and Platt calibration, then applies <see cref="Logistic"/>.
        /// </summary>
        public static void HeadDots(ReadOnlySpan<float> weights, ReadOnlySpan<float> embedding, Span<double> dots) =>
            CentroidSearch.DotRows(weights, embedding, dots);

        /// <summary>The heads' weights as one row-major model × dimension array, as a generated router stores them.</summary>
        public static float[] HeadWeightRows(Profiles.EstimatorDefinition estimator)
        {
            ArgumentNullException.ThrowIfNull(estimator);
            int dimension = estimator.Heads.Count == 0 ? 0 : estimator.Heads[0].Weights.Length;
            var rows = new float[estimator.Heads.Count * dimension];
            for (int m = 0; m < estimator.Heads.Count; m++)
            {
                estimator.Heads[m].Weights.CopyTo(rows, m * dimension);
            }

            return rows;
        }

        /// <summary>σ of every value, in place (vectorised): the calibrated qualities from Platt-scaled logits.</summary>
        public static void Logistic(Span<double> values) => TensorPrimitives.Sigmoid(values, values);

        /// <summary>The logistic function, computed without overflow on either side.</summary>
        public static double Sigmoid(double t) => t >= 0 ? 1 / (1 + Math.Exp(-t)) : Math.Exp(t) / (1 + Math.Exp(t));

        /// <summary>
        /// Avengers-Pro's soft clusters: the <paramref name="topClusters"/> centroids most similar to the prompt (ties to the
        /// lower index), each weighted by its similarity clipped at 0 (equal weights when none is positive), and the weighted
        /// mean of their per-model quality and cost. Allocates nothing (at most <see cref="Profiles.EstimatorDefinition.MaxTopClusters"/> clusters).
        /// </summary>
        public static void BlendNearestClusters(RouterTables tables, ReadOnlySpan<float> unitCentroids, ReadOnlySpan<float> embedding, int topClusters, Span<double> quality, Span<double> costUsd)
        {
            ArgumentNullException.ThrowIfNull(tables);
            int clusters = tables.ClusterCount, dimension = tables.Dimension, models = tables.ModelCount;
            int n = Math.Clamp(topClusters, 1, Math.Min(clusters, Profiles.EstimatorDefinition.MaxTopClusters));
            Span<int> nearest = stackalloc int[n];
            Span<float> similarity = stackalloc float[n];

            // Every centroid's dot product in one pass of the search's eight-row kernel, then the top n by insertion.
            double[]? rented = clusters > StackSimilarities ? ArrayPool<double>.Shared.Rent(clusters) : null;
            Span<double> dots = rented is null ? stackalloc double[clusters] : rented.AsSpan(0, clusters);
            CentroidSearch.DotRows(unitCentroids[..(clusters * dimension)], embedding, dots);
            int count = 0;
            for (int c = 0; c < clusters; c++)
            {
                float s = (float)dots[c];
                if (count == n && !(s > similarity[n - 1]))
                {
                    continue;
                }

                // Insert after every kept cluster at least as similar, so equal similarities keep the lower index first.
                int at = count < n ? count : n - 1;
                while (at > 0 && s > similarity[at - 1])
                {
                    similarity[at] = similarity[at - 1];
                    nearest[at] = nearest[at - 1];
                    at--;
                }

                similarity[at] = s;
                nearest[at] = c;
                count = Math.Min(n, count + 1);
            }

            if (rented is not null)
            {
                ArrayPool<double>.Shared.Return(rented);
            }

            double total = 0;
            for (int r = 0; r < count; r++)
            {
                total += Math.Max(0, similarity[r]);
            }

            bool weighted = total > 0 && double.IsFinite(total);
            quality[..models].Clear();
            costUsd[..models].Clear();
            for (int r = 0; r < count; r++)
            {
                int c = nearest[r];
                double weight = weighted ? Math.Max(0, similarity[r]) / total : 1.0 / count;
                for (int m = 0; m < models; m++)
                {
                    quality[m] += weight * tables.QualityOf(c, m);
                    costUsd[m] += weight * tables.CostOf(c, m);
                }
            }
        }
    }
}
