using System;
using System.Collections.Generic;

namespace RouterGen.Fitting
{
    /// <summary>Per-cluster, per-model expected quality and cost, shrunk toward each model's global rate.</summary>
    /// <param name="Quality">Row-major cluster × model expected quality.</param>
    /// <param name="CostUsd">Row-major cluster × model expected cost per request.</param>
    /// <param name="GlobalQuality">Each model's mean score over the fit prompts.</param>
    /// <param name="GlobalCostUsd">Each model's mean cost per request over the fit prompts.</param>
    /// <param name="PriorStrength">The Beta prior's strength α in pseudo-prompts.</param>
    public sealed record ClusterStatistics(double[] Quality, double[] CostUsd, double[] GlobalQuality, double[] GlobalCostUsd, double PriorStrength)
    {
        /// <summary>
        /// Candidate prior strengths searched by <see cref="ChoosePriorStrength"/>: powers of two from ½ to 1024 pseudo-prompts.
        /// </summary>
        public static IReadOnlyList<double> PriorStrengthGrid { get; } = BuildGrid();

        /// <summary>
        /// Computes shrunk statistics. For model m in cluster c with n_c fit prompts and score sum s_cm, expected quality
        /// is (s_cm + α·g_m) / (n_c + α), where g_m is the model's mean over all fit prompts: the posterior mean under a
        /// Beta(α·g_m, α·(1 − g_m)) prior. Expected cost is shrunk the same way toward the model's mean cost.
        /// </summary>
        /// <param name="dataset">Scores and costs.</param>
        /// <param name="rows">Fit prompts (dataset indices).</param>
        /// <param name="assignment">Cluster of each fit prompt, aligned with <paramref name="rows"/>.</param>
        /// <param name="clusters">Number of clusters.</param>
        /// <param name="priorStrength">α; null chooses it with <see cref="ChoosePriorStrength"/>.</param>
        public static ClusterStatistics Compute(RoutingDataset dataset, IReadOnlyList<int> rows, IReadOnlyList<int> assignment, int clusters, double? priorStrength = null)
        {
            ArgumentNullException.ThrowIfNull(dataset);
            ArgumentNullException.ThrowIfNull(rows);
            ArgumentNullException.ThrowIfNull(assignment);
            var sums = Sums(dataset, rows, assignment, clusters, out double[] costSums, out int[] sizes, out double[] globalQuality, out double[] globalCost);
            double alpha = priorStrength ?? ChoosePriorStrength(dataset, rows, assignment, sums, sizes, globalQuality);
            int models = dataset.ModelCount;
            var quality = new double[clusters * models];
            var cost = new double[clusters * models];
            for (int c = 0; c < clusters; c++)
            {
                for (int m = 0; m < models; m++)
                {
                    int at = (c * models) + m;
                    double denominator = sizes[c] + alpha;
                    quality[at] = denominator > 0 ? (sums[at] + (alpha * globalQuality[m])) / denominator : globalQuality[m];
                    cost[at] = denominator > 0 ? (costSums[at] + (alpha * globalCost[m])) / denominator : globalCost[m];
                }
            }

            return new ClusterStatistics(quality, cost, globalQuality, globalCost, alpha);
        }

        /// <summary>
        /// Empirical Bayes for α: the grid value that maximises the leave-one-out log-likelihood of the fit prompts' scores,
        /// each predicted by its cluster's shrunk rate computed without that prompt (scores in [0, 1] are scored with the
        /// Bernoulli cross-entropy). Small α trusts clusters; large α pulls every cluster to the global rate.
        /// </summary>
        public static double ChoosePriorStrength(RoutingDataset dataset, IReadOnlyList<int> rows, IReadOnlyList<int> assignment, double[] sums, int[] sizes, double[] globalQuality)
        {
            ArgumentNullException.ThrowIfNull(dataset);
            ArgumentNullException.ThrowIfNull(rows);
            ArgumentNullException.ThrowIfNull(assignment);
            ArgumentNullException.ThrowIfNull(sums);
            ArgumentNullException.ThrowIfNull(sizes);
            ArgumentNullException.ThrowIfNull(globalQuality);
            int models = dataset.ModelCount;
            double bestAlpha = PriorStrengthGrid[0];
            double bestLikelihood = double.NegativeInfinity;
            foreach (double alpha in PriorStrengthGrid)
            {
                double likelihood = 0;
                for (int i = 0; i < rows.Count; i++)
                {
                    int c = assignment[i];
                    ReadOnlySpan<double> scores = dataset.ScoresOf(rows[i]);
                    for (int m = 0; m < models; m++)
                    {
                        double y = scores[m];
                        double q = (sums[(c * models) + m] - y + (alpha * globalQuality[m])) / (sizes[c] - 1 + alpha);
                        q = Math.Clamp(q, 1e-6, 1 - 1e-6);
                        likelihood += (y * Math.Log(q)) + ((1 - y) * Math.Log(1 - q));
                    }
                }

                if (likelihood > bestLikelihood)
                {
                    bestLikelihood = likelihood;
                    bestAlpha = alpha;
                }
            }

            return bestAlpha;
        }

        /// <summary>Per cluster × model score and cost sums, cluster sizes and global means.</summary>
        public static double[] Sums(RoutingDataset dataset, IReadOnlyList<int> rows, IReadOnlyList<int> assignment, int clusters, out double[] costSums, out int[] sizes, out double[] globalQuality, out double[] globalCost)
        {
            ArgumentNullException.ThrowIfNull(dataset);
            ArgumentNullException.ThrowIfNull(rows);
            ArgumentNullException.ThrowIfNull(assignment);
            int models = dataset.ModelCount;
            var sums = new double[clusters * models];
            costSums = new double[clusters * models];
            sizes = new int[clusters];
            globalQuality = new double[models];
            globalCost = new double[models];
            for (int i = 0; i < rows.Count; i++)
            {
                int c = assignment[i];
                sizes[c]++;
                ReadOnlySpan<double> scores = dataset.ScoresOf(rows[i]);
                ReadOnlySpan<double> costs = dataset.CostsOf(rows[i]);
                for (int m = 0; m < models; m++)
                {
                    sums[(c * models) + m] += scores[m];
                    costSums[(c * models) + m] += costs[m];
                    globalQuality[m] += scores[m];
                    globalCost[m] += costs[m];
                }
            }

            for (int m = 0; m < models; m++)
            {
                globalQuality[m] /= Math.Max(1, rows.Count);
                globalCost[m] /= Math.Max(1, rows.Count);
            }

            return sums;
        }

        private static double[] BuildGrid()
        {
            var grid = new double[12];
            for (int i = 0; i < grid.Length; i++)
            {
                grid[i] = Math.Pow(2, i - 1);
            }

            return grid;
        }
    }
}
