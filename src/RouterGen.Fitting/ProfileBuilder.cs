using System;
using System.Collections.Generic;
using System.Globalization;
using RouterGen.Profiles;
using RouterGen.Routing;

namespace RouterGen.Fitting
{
    /// <summary>Builds a profile from embeddings and outcomes: clusters, shrunk statistics, labels, fallback rule.</summary>
    public static class ProfileBuilder
    {
        /// <summary>Fits k clusters and their statistics on <paramref name="rows"/> only.</summary>
        /// <param name="dataset">Outcomes.</param>
        /// <param name="embeddings">Embeddings of every dataset prompt (rows outside <paramref name="rows"/> are not read).</param>
        /// <param name="rows">Fit prompts.</param>
        /// <param name="embedder">The embedder definition stored in the profile.</param>
        /// <param name="k">Number of clusters.</param>
        /// <param name="settings">Seed, prior and naming.</param>
        /// <param name="withLabels">False skips labelling (cross-validation folds never show labels).</param>
        public static FittedRouter Build(RoutingDataset dataset, EmbeddingMatrix embeddings, IReadOnlyList<int> rows, EmbedderDefinition embedder, int k, FitSettings settings, bool withLabels = true)
        {
            ArgumentNullException.ThrowIfNull(dataset);
            ArgumentNullException.ThrowIfNull(embeddings);
            ArgumentNullException.ThrowIfNull(rows);
            ArgumentNullException.ThrowIfNull(embedder);
            ArgumentNullException.ThrowIfNull(settings);
            return Build(dataset, rows, embedder, KMeans.Fit(embeddings, rows, k, settings.KMeans), settings, withLabels);
        }

        /// <summary>
        /// Estimates statistics for an existing clustering of <paramref name="rows"/> (the fit's selection tries several prior
        /// strengths on one clustering without repeating k-means).
        /// </summary>
        public static FittedRouter Build(RoutingDataset dataset, IReadOnlyList<int> rows, EmbedderDefinition embedder, KMeansResult clustering, FitSettings settings, bool withLabels = true)
        {
            ArgumentNullException.ThrowIfNull(dataset);
            ArgumentNullException.ThrowIfNull(rows);
            ArgumentNullException.ThrowIfNull(embedder);
            ArgumentNullException.ThrowIfNull(clustering);
            ArgumentNullException.ThrowIfNull(settings);
            ClusterStatistics statistics = ClusterStatistics.Compute(dataset, rows, clustering.Assignment, clustering.K, settings.PriorStrength);
            string[] labels;
            if (withLabels)
            {
                var texts = new string[rows.Count];
                for (int i = 0; i < rows.Count; i++)
                {
                    texts[i] = dataset.Prompts[rows[i]].Text;
                }

                labels = ClusterLabeler.Label(texts, clustering.Assignment, clustering.K, settings.LabelTerms);
            }
            else
            {
                labels = new string[clustering.K];
                for (int c = 0; c < labels.Length; c++)
                {
                    labels[c] = "cluster " + c.ToString(CultureInfo.InvariantCulture);
                }
            }

            ProfileDefinition profile = Assemble(dataset, embedder, clustering, statistics, labels, settings);
            return new FittedRouter(profile, RouterProfile.FromDefinition(profile), statistics, clustering);
        }

        /// <summary>The model a router falls back to: the best global quality, ties to the cheaper.</summary>
        public static int FallbackModel(double[] globalQuality, double[] globalCost)
        {
            ArgumentNullException.ThrowIfNull(globalQuality);
            ArgumentNullException.ThrowIfNull(globalCost);
            int best = 0;
            for (int m = 1; m < globalQuality.Length; m++)
            {
                if (globalQuality[m] > globalQuality[best] || (globalQuality[m] == globalQuality[best] && globalCost[m] < globalCost[best]))
                {
                    best = m;
                }
            }

            return best;
        }

        /// <summary>The <paramref name="quantile"/> of <paramref name="values"/> (lower empirical quantile; 0 for none).</summary>
        public static double LowerQuantile(IReadOnlyList<float> values, double quantile)
        {
            ArgumentNullException.ThrowIfNull(values);
            if (values.Count == 0)
            {
                return 0;
            }

            var sorted = new float[values.Count];
            for (int i = 0; i < sorted.Length; i++)
            {
                sorted[i] = values[i];
            }

            Array.Sort(sorted);
            int at = (int)Math.Floor(Math.Clamp(quantile, 0, 1) * (sorted.Length - 1));
            return sorted[at];
        }

        private static ProfileDefinition Assemble(RoutingDataset dataset, EmbedderDefinition embedder, KMeansResult clustering, ClusterStatistics statistics, string[] labels, FitSettings settings)
        {
            int models = dataset.ModelCount;
            int d = embedder.Dimension;
            var profile = new ProfileDefinition
            {
                Name = settings.RouterName,
                Namespace = settings.Namespace,
                Description = settings.Description,
                Embedder = embedder,
            };
            for (int m = 0; m < models; m++)
            {
                DatasetModel model = dataset.Models[m];
                profile.Models.Add(new ModelDefinition
                {
                    Id = model.Id,
                    DisplayName = model.DisplayName,
                    CostPerRequestUsd = statistics.GlobalCostUsd[m],
                    InputPricePerMTok = model.InputPricePerMTok,
                    OutputPricePerMTok = model.OutputPricePerMTok,
                    CostIsEstimate = dataset.CostIsEstimate[m],
                });
            }

            for (int c = 0; c < clustering.K; c++)
            {
                var centroid = new float[d];
                Array.Copy(clustering.Centroids, c * d, centroid, 0, d);
                if (clustering.Sizes[c] == 0 || IsZero(centroid))
                {
                    // A cluster with no prompts (or only empty prompts) has nothing to say; prompts near it take the next one.
                    continue;
                }

                var quality = new double[models];
                var cost = new double[models];
                Array.Copy(statistics.Quality, c * models, quality, 0, models);
                Array.Copy(statistics.CostUsd, c * models, cost, 0, models);
                profile.Clusters.Add(new ClusterDefinition
                {
                    Id = "c" + profile.Clusters.Count.ToString("D2", CultureInfo.InvariantCulture),
                    Label = labels[c],
                    SampleCount = clustering.Sizes[c],
                    Centroid = centroid,
                    Quality = quality,
                    CostUsd = cost,
                });
            }

            int fallback = FallbackModel(statistics.GlobalQuality, statistics.GlobalCostUsd);
            profile.Fallback = new FallbackDefinition
            {
                Model = dataset.Models[fallback].Id,
                MinSimilarity = Math.Clamp(LowerQuantile(clustering.Similarity, settings.MinSimilarityQuantile) - ThresholdGuard(profile.Clusters), -1, 1),
            };
            return profile;
        }

        /// <summary>
        /// How far below the chosen fit prompt's similarity the out-of-distribution threshold sits, so that no fit prompt at
        /// or above the quantile falls back because of how a router stores or sums its centroids. For a unit query q and a
        /// stored row ĉ of the unit centroid u, |q·u − q·ĉ| ≤ ‖u − ĉ‖ (Cauchy–Schwarz), so the guard is the largest such
        /// distance over the clusters and over every <c>centroidPrecision</c> the format offers (a float32 profile may be
        /// compiled at float16 or int8 later, and one threshold must hold for all), plus the distance between the fit's
        /// centroid and the router's re-normalised row, plus the worst-case float32 rounding of two d-term dot products of
        /// unit vectors (the fit's and the router's, summed in different orders on different CPUs): 2·d·2⁻²⁴.
        /// Without it the threshold is the least similar fit prompt's own similarity to the last bit, and any last-bit
        /// change sends that prompt to the fallback.
        /// </summary>
        internal static double ThresholdGuard(IReadOnlyList<ClusterDefinition> clusters)
        {
            double largest = 0;
            int dimension = 0;
            foreach (ClusterDefinition cluster in clusters)
            {
                float[] centroid = cluster.Centroid;
                dimension = centroid.Length;
                float[] unit = RoutingMath.Normalize(centroid);
                var int8 = new sbyte[unit.Length];
                float scale = CentroidQuantization.QuantizeInt8(unit, 0, unit.Length, int8, 0);
                double toHalf = 0, toInt8 = 0, toUnit = 0;
                for (int j = 0; j < unit.Length; j++)
                {
                    double u = unit[j];
                    toHalf += Square(u - CentroidQuantization.HalfBitsToSingle(CentroidQuantization.ToHalfBits(unit[j])));
                    toInt8 += Square(u - (int8[j] * scale));
                    toUnit += Square(u - centroid[j]);
                }

                largest = Math.Max(largest, Math.Sqrt(Math.Max(toHalf, toInt8)) + Math.Sqrt(toUnit));
            }

            return largest + (2.0 * dimension / (1 << 24));
        }

        private static double Square(double x) => x * x;

        private static bool IsZero(float[] values)
        {
            foreach (float v in values)
            {
                if (v != 0)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
