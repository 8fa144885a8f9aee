using System;
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

        /// <summary>
        /// σ of every value, in place: the calibrated qualities from Platt-scaled logits (at most
        /// <see cref="Profiles.ProfileReader.MaxModels"/> values). Computed in float with TensorPrimitives' vectorised sigmoid
        /// and widened back: on 24 heads the double sigmoid cost about as much as 12 more head rows, and a quality estimate
        /// needs no more than float's 7 digits. Generated routers, loaded routers and the fit all call this one function.
        /// </summary>
        public static void Logistic(Span<double> values)
        {
            Span<float> narrow = stackalloc float[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                narrow[i] = (float)values[i];
            }

            TensorPrimitives.Sigmoid(narrow, narrow);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = narrow[i];
            }
        }

        /// <summary>
        /// The low-confidence margin of an estimate: the estimated quality of the best allowed model (<paramref name="leader"/>)
        /// minus that of the runner-up allowed model (<paramref name="second"/>), ties to the lower index; +∞ (and -1 for
        /// <paramref name="second"/>) with fewer than two allowed models. The router's low-confidence test and fitting's
        /// choice of its threshold both compute it here, so the fit scores exactly the margin that routing compares.
        /// </summary>
        public static double TopModelMargin(ReadOnlySpan<double> quality, ulong allowed, out int leader, out int second)
        {
            leader = -1;
            second = -1;
            for (int m = 0; m < quality.Length && m < 64; m++)
            {
                if ((allowed & (1UL << m)) == 0)
                {
                    continue;
                }

                if (leader < 0 || quality[m] > quality[leader])
                {
                    second = leader;
                    leader = m;
                }
                else if (second < 0 || quality[m] > quality[second])
                {
                    second = m;
                }
            }

            return second < 0 ? double.PositiveInfinity : quality[leader] - quality[second];
        }

        /// <summary>
        /// An isotonic calibration table's quality at <paramref name="logit"/>: linear between the two points around it,
        /// the first or last point's quality beyond the table (<paramref name="logits"/> strictly increasing, as the reader
        /// checks). Generated routers call it with RVA tables; loaded routers and the fit through <see cref="Calibrate"/>.
        /// </summary>
        public static double Isotonic(ReadOnlySpan<double> logits, ReadOnlySpan<double> qualities, double logit)
        {
            int last = logits.Length - 1;
            if (!(logit > logits[0]))
            {
                return qualities[0];
            }

            if (logit >= logits[last])
            {
                return qualities[last];
            }

            int at = logits.BinarySearch(logit);
            if (at >= 0)
            {
                return qualities[at];
            }

            int above = ~at, below = above - 1;
            double share = (logit - logits[below]) / (logits[above] - logits[below]);
            return qualities[below] + (share * (qualities[above] - qualities[below]));
        }

        /// <summary>
        /// The heads' raw dot products (in <paramref name="logits"/>) to calibrated qualities, in place, as a generated
        /// router's unrolled code computes them: per model (bias, Platt scale, Platt offset) in <paramref name="platt"/>, the
        /// Platt expression (scale · (dot + bias)) + offset, <see cref="Logistic"/> over all, then for every model with an
        /// isotonic table (<paramref name="isotonicLogits"/>[m] not null) the table's value at dot + bias instead.
        /// </summary>
        public static void Calibrate(Span<double> logits, ReadOnlySpan<double> platt, double[]?[]? isotonicLogits, double[]?[]? isotonicQualities)
        {
            int models = logits.Length;
            Span<double> raw = stackalloc double[isotonicLogits is null ? 0 : models];
            for (int m = 0; m < models; m++)
            {
                if (isotonicLogits?[m] is not null)
                {
                    raw[m] = logits[m] + platt[3 * m];
                }

                logits[m] = (platt[(3 * m) + 1] * (logits[m] + platt[3 * m])) + platt[(3 * m) + 2];
            }

            Logistic(logits);
            for (int m = 0; isotonicLogits is not null && m < models; m++)
            {
                if (isotonicLogits[m] is double[] table)
                {
                    logits[m] = Isotonic(table, isotonicQualities![m], raw[m]);
                }
            }
        }

        /// <summary>The logistic function, computed without overflow on either side.</summary>
        public static double Sigmoid(double t) => t >= 0 ? 1 / (1 + Math.Exp(-t)) : Math.Exp(t) / (1 + Math.Exp(t));

        /// <summary>
        /// Avengers-Pro's soft clusters: the <paramref name="topClusters"/> centroids most similar to the prompt (ties to the
        /// lower index, <see cref="CentroidSearch.NearestClusters"/>), blended by <see cref="BlendClusters"/>. What a soft-cluster
        /// route computes, for callers that have not searched yet (evaluation). Allocates nothing (at most
        /// <see cref="Profiles.EstimatorDefinition.MaxTopClusters"/> clusters).
        /// </summary>
        public static void BlendNearestClusters(RouterTables tables, ReadOnlySpan<float> unitCentroids, ReadOnlySpan<float> embedding, int topClusters, Span<double> quality, Span<double> costUsd)
        {
            ArgumentNullException.ThrowIfNull(tables);
            int n = Math.Clamp(topClusters, 1, Math.Min(tables.ClusterCount, Profiles.EstimatorDefinition.MaxTopClusters));
            Span<int> nearest = stackalloc int[n];
            Span<float> similarity = stackalloc float[n];
            int count = CentroidSearch.NearestClusters(unitCentroids[..(tables.ClusterCount * tables.Dimension)], tables.Dimension, embedding, nearest, similarity);
            BlendClusters(tables, nearest[..count], similarity[..count], quality, costUsd);
        }

        /// <summary>
        /// The weighted mean of <paramref name="clusters"/>' per-model quality and cost, each cluster weighted by
        /// <see cref="ClusterWeights"/> of its similarity. An empty <paramref name="quality"/> blends the costs only (a learned
        /// estimator predicts quality itself). No clusters give zeros (the caller has taken the out-of-distribution path).
        /// </summary>
        public static void BlendClusters(RouterTables tables, ReadOnlySpan<int> clusters, ReadOnlySpan<float> similarities, Span<double> quality, Span<double> costUsd)
        {
            ArgumentNullException.ThrowIfNull(tables);
            Span<double> weights = stackalloc double[clusters.Length];
            ClusterWeights(similarities[..clusters.Length], weights);
            BlendWeighted(tables, clusters, weights, quality, costUsd);
        }

        // BlendClusters with the weights already computed (the route keeps them for the decision's explanation).
        internal static void BlendWeighted(RouterTables tables, ReadOnlySpan<int> clusters, ReadOnlySpan<double> weights, Span<double> quality, Span<double> costUsd)
        {
            int models = tables.ModelCount;
            bool blendQuality = !quality.IsEmpty;
            if (blendQuality)
            {
                quality[..models].Clear();
            }

            costUsd[..models].Clear();
            for (int r = 0; r < clusters.Length; r++)
            {
                // (statistic × weight) + sum, a multiply then an add per model (vectorised, not fused): the same sums a
                // per-model loop gives.
                int c = clusters[r];
                if (blendQuality)
                {
                    TensorPrimitives.MultiplyAdd(tables.QualitiesOf(c), weights[r], quality[..models], quality[..models]);
                }

                TensorPrimitives.MultiplyAdd(tables.CostsOf(c), weights[r], costUsd[..models], costUsd[..models]);
            }
        }

        /// <summary>
        /// Soft-cluster weights: each similarity clipped at 0 over their total, or equal weights when none is positive (a
        /// prompt unlike every cluster still averages its nearest ones).
        /// </summary>
        public static void ClusterWeights(ReadOnlySpan<float> similarities, Span<double> weights)
        {
            double total = 0;
            foreach (float s in similarities)
            {
                total += Math.Max(0, s);
            }

            bool weighted = total > 0 && double.IsFinite(total);
            for (int r = 0; r < similarities.Length; r++)
            {
                weights[r] = weighted ? Math.Max(0, similarities[r]) / total : 1.0 / similarities.Length;
            }
        }
    }
}
