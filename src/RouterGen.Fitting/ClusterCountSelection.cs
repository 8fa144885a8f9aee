using System;
using System.Collections.Generic;
using RouterGen.Profiles;

namespace RouterGen.Fitting
{
    /// <summary>One candidate cluster count and its cross-validated routing utility.</summary>
    /// <param name="K">Cluster count.</param>
    /// <param name="Utility">Mean held-out score of the max-quality router.</param>
    /// <param name="StandardError">Standard error of the difference in per-prompt score to the best candidate.</param>
    public sealed record ClusterCountCandidate(int K, double Utility, double StandardError);

    /// <summary>The chosen cluster count and the evidence.</summary>
    /// <param name="K">The chosen count.</param>
    /// <param name="Candidates">Every candidate that was tried.</param>
    public sealed record ClusterCountChoice(int K, IReadOnlyList<ClusterCountCandidate> Candidates);

    /// <summary>
    /// Chooses k by cross-validated routing utility inside the fit prompts (never the evaluation prompts): for each
    /// candidate k, inner folds fit clusters and statistics on part of the fit prompts and score the max-quality router on
    /// the rest. The smallest k whose utility is within one standard error (paired, per prompt) of the best is chosen:
    /// with a few hundred prompts most differences between neighbouring k are noise, and fewer clusters mean better
    /// supported statistics. Silhouette and other geometric scores are not used: they measure clusters, not routing.
    /// </summary>
    public static class ClusterCountSelection
    {
        /// <summary>Fit prompts per cluster below which a candidate k is not tried.</summary>
        public const int MinPromptsPerCluster = 10;

        /// <summary>Chooses k for a fit on <paramref name="fitRows"/>.</summary>
        public static ClusterCountChoice Choose(RoutingDataset dataset, EmbeddingMatrix embeddings, EmbedderDefinition embedder, IReadOnlyList<int> fitRows, EvaluationOptions options, ulong seed)
        {
            ArgumentNullException.ThrowIfNull(dataset);
            ArgumentNullException.ThrowIfNull(embeddings);
            ArgumentNullException.ThrowIfNull(fitRows);
            ArgumentNullException.ThrowIfNull(options);
            int folds = Math.Clamp(options.InnerFolds, 2, Math.Max(2, fitRows.Count));
            var shuffled = new int[fitRows.Count];
            for (int i = 0; i < shuffled.Length; i++)
            {
                shuffled[i] = fitRows[i];
            }

            new SeededRandom(seed, 0x1234).Shuffle(shuffled);
            int innerFit = fitRows.Count - ((fitRows.Count + folds - 1) / folds);
            var candidates = new List<int>();
            foreach (int k in options.ClusterCandidates)
            {
                if (k == 1 || k * MinPromptsPerCluster <= innerFit)
                {
                    candidates.Add(k);
                }
            }

            if (candidates.Count == 0)
            {
                candidates.Add(1);
            }

            var points = new[] { new PolicyPoint(PolicyFamilies.CostWeighted, 0) };
            var settings = new FitSettings
            {
                PriorStrength = options.Fit.PriorStrength,
                MinSimilarityQuantile = options.Fit.MinSimilarityQuantile,
                KMeans = options.Fit.KMeans.With(seed, Math.Min(2, options.Fit.KMeans.Restarts)),
            };
            var perPrompt = new double[candidates.Count][];
            for (int ci = 0; ci < candidates.Count; ci++)
            {
                var scores = new double[shuffled.Length];
                var costs = new double[shuffled.Length];
                for (int f = 0; f < folds; f++)
                {
                    Split(shuffled, folds, f, out List<int> train, out List<int> test, out List<int> positions);
                    HeldOutEvaluator.EvaluateFold(dataset, embeddings, embedder, train, test, positions, shuffled.Length, candidates[ci], settings, options, points, scores, costs);
                }

                perPrompt[ci] = scores;
            }

            int best = 0;
            var utility = new double[candidates.Count];
            for (int ci = 0; ci < candidates.Count; ci++)
            {
                utility[ci] = Mean(perPrompt[ci]);
                if (utility[ci] > utility[best])
                {
                    best = ci;
                }
            }

            var results = new List<ClusterCountCandidate>();
            int chosen = best;
            for (int ci = candidates.Count - 1; ci >= 0; ci--)
            {
                double se = PairedStandardError(perPrompt[ci], perPrompt[best]);
                if (candidates[ci] < candidates[chosen] && utility[ci] >= utility[best] - se)
                {
                    chosen = ci;
                }
            }

            for (int ci = 0; ci < candidates.Count; ci++)
            {
                results.Add(new ClusterCountCandidate(candidates[ci], utility[ci], PairedStandardError(perPrompt[ci], perPrompt[best])));
            }

            return new ClusterCountChoice(candidates[chosen], results);
        }

        /// <summary>Fold <paramref name="fold"/> of <paramref name="folds"/> contiguous folds over <paramref name="shuffled"/>.</summary>
        internal static void Split(int[] shuffled, int folds, int fold, out List<int> train, out List<int> test, out List<int> positions)
        {
            train = new List<int>();
            test = new List<int>();
            positions = new List<int>();
            for (int i = 0; i < shuffled.Length; i++)
            {
                if ((long)i * folds / shuffled.Length == fold)
                {
                    test.Add(shuffled[i]);
                    positions.Add(i);
                }
                else
                {
                    train.Add(shuffled[i]);
                }
            }
        }

        private static double Mean(double[] values)
        {
            double sum = 0;
            foreach (double v in values)
            {
                sum += v;
            }

            return values.Length == 0 ? 0 : sum / values.Length;
        }

        private static double PairedStandardError(double[] a, double[] b)
        {
            int n = a.Length;
            if (n < 2)
            {
                return 0;
            }

            double mean = 0;
            for (int i = 0; i < n; i++)
            {
                mean += a[i] - b[i];
            }

            mean /= n;
            double variance = 0;
            for (int i = 0; i < n; i++)
            {
                double d = a[i] - b[i] - mean;
                variance += d * d;
            }

            return Math.Sqrt(variance / (n - 1) / n);
        }
    }
}
