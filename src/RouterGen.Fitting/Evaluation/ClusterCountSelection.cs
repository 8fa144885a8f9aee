using System;
using System.Collections.Generic;
using System.Linq;
using RouterGen.Profiles;
using RouterGen.Routing;

namespace RouterGen.Fitting
{
    /// <summary>
    /// Chooses k and the prior strength α by cross-validated frontier area inside the fit prompts (never the evaluation
    /// prompts): for each candidate k, inner folds cluster part of the fit prompts once, estimate statistics for every α
    /// candidate, and score every deployable knob on the rest; the candidate with the highest AIQ
    /// (<see cref="QualityCostFrontier"/>) wins, ties to the smaller k. AIQ rather than max-quality accuracy: when one
    /// model is best everywhere, clusters cannot raise max quality, but they can buy the same quality for less by sending
    /// the prompt types where a cheaper model ties to it, and only the whole curve sees that. k = 1 (no routing) stays a
    /// candidate. Silhouette and other geometric scores are not used: they measure clusters, not routing.
    /// </summary>
    public static class ClusterCountSelection
    {
        /// <summary>Fit prompts per cluster below which a candidate k is not tried.</summary>
        public const int MinPromptsPerCluster = 10;

        /// <summary>AIQ differences up to this are ties (the simpler candidate wins).</summary>
        public const double AiqTieTolerance = 1e-4;

        /// <summary>
        /// Shares of the fit prompts tried for the learned estimator's low-confidence fallback, beside 0 (off, always a
        /// candidate, so the fallback can never lower inner AIQ). Share q is scored in the inner folds with the q-quantile
        /// of the out-of-fold margins (<see cref="QualityEstimation.TopModelMargin"/>) as the threshold, and ships as the
        /// q-quantile of the margins of the estimator fit on every fit prompt: the two estimators spread their predictions
        /// differently, so one number would send a different share of prompts to the global statistics in deployment than
        /// it did when it was scored, while the quantile keeps the share. Fixed here before any held-out figure was seen:
        /// from "a few near-ties" to "almost a third of the prompts".
        /// </summary>
        public static IReadOnlyList<double> LowConfidenceQuantiles { get; } = new double[] { 0.05, 0.10, 0.20, 0.30 };

        /// <summary>Prior strengths tried per k &gt; 1 when none is given: from trusting clusters to trusting global rates.</summary>
        public static IReadOnlyList<double> PriorStrengthCandidates { get; } = new double[] { 1, 4, 16, 64, 256, 1024 };

        /// <summary>
        /// What a fit on <paramref name="fitRows"/> uses: a given k and α as they are; whatever is not given chosen by
        /// <see cref="Choose"/> (a given k is then the only k candidate). Null when both were given and there is no
        /// estimator kind to choose.
        /// </summary>
        public static ClusterCountChoice? ChooseUnlessGiven(RoutingDataset dataset, EmbeddingMatrix embeddings, EmbedderDefinition embedder, IReadOnlyList<int> fitRows, EvaluationOptions options, ulong seed)
        {
            ArgumentNullException.ThrowIfNull(options);
            if (options.Clusters <= 0)
            {
                return Choose(dataset, embeddings, embedder, fitRows, options, seed);
            }

            // With both given there is nothing to choose, unless the estimator kind is (the learned estimator is on).
            if ((options.Fit.PriorStrength is not null || options.Clusters == 1) && !options.LearnedEstimator)
            {
                return null;
            }

            return Choose(dataset, embeddings, embedder, fitRows, options, seed, new[] { options.Clusters });
        }

        /// <summary>
        /// Chooses k (among <paramref name="clusterCandidates"/>, default <see cref="EvaluationOptions.ClusterCandidates"/>)
        /// and α (unless given) for a fit on <paramref name="fitRows"/>.
        /// </summary>
        public static ClusterCountChoice Choose(RoutingDataset dataset, EmbeddingMatrix embeddings, EmbedderDefinition embedder, IReadOnlyList<int> fitRows, EvaluationOptions options, ulong seed, IReadOnlyList<int>? clusterCandidates = null)
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
            // Explicit candidates (a k the user gave) are all tried; the default grid only where clusters can be supported.
            var counts = new List<int>();
            foreach (int k in clusterCandidates ?? options.ClusterCandidates)
            {
                if (k == 1 || clusterCandidates is not null || k * MinPromptsPerCluster <= innerFit)
                {
                    counts.Add(k);
                }
            }

            if (counts.Count == 0)
            {
                counts.Add(1);
            }

            PolicyPoint[] points = Array.FindAll(PolicyPoint.All(options), p => p.IsRouter && PolicyFamilies.EstimatorOf(p.Family) != "selected");
            var estimators = new List<string> { EstimatorKinds.NearestCluster };
            if (options.SoftClusters > 1)
            {
                estimators.Add(EstimatorKinds.SoftClusters);
            }

            // The learned estimator: strengths and calibration from these same inner folds; its out-of-fold predictions
            // are what it is scored by here.
            LinearQualityEstimator? linear = null;
            double[]? outOfFold = null;
            if (options.LearnedEstimator)
            {
                linear = LinearQualityEstimator.Fit(dataset, embeddings, shuffled, folds, options.Linear, seed, out outOfFold);
                estimators.Add(EstimatorKinds.Linear);
            }

            // The learned estimator's low-confidence thresholds: 0, then quantiles of its out-of-fold margins (scored here)
            // and the same quantiles of the final estimator's margins on the fit prompts (what a profile ships).
            double[] margins = outOfFold is null || !options.LowConfidenceFallback ? new double[] { 0 } : MarginCandidates(outOfFold, dataset.ModelCount);
            double[] shipped = margins.Length == 1 ? margins : MarginCandidates(Predict(linear!, embeddings, shuffled), dataset.ModelCount);

            // The learned cost heads, when the evaluation asks for them: scored here by their out-of-fold estimates too.
            LinearCostEstimator? cost = null;
            double[]? costOutOfFold = null;
            if (options.CostEstimate == CostEstimates.Linear)
            {
                cost = LinearCostEstimator.Fit(dataset, embeddings, shuffled, folds, options.Linear, seed, out costOutOfFold);
            }

            IReadOnlyList<double?> priors = options.Fit.PriorStrength is double given
                ? new double?[] { given }
                : PriorStrengthCandidates.Select(a => (double?)a).ToArray();
            var kMeans = options.Fit.KMeans.With(seed, Math.Min(2, options.Fit.KMeans.Restarts));
            SingleModelCostRange(dataset, fitRows, out double costMin, out double costMax);
            int models = dataset.ModelCount;
            var results = new List<ClusterCountCandidate>();
            foreach (int k in counts)
            {
                IReadOnlyList<double?> alphas = k == 1 ? new double?[] { options.Fit.PriorStrength } : priors;
                var outcomes = new HeldOutOutcomes[alphas.Count];
                // The learned families again per low-confidence threshold above 0 (index 0 is outcomes itself).
                var guarded = new HeldOutOutcomes[alphas.Count, margins.Length];
                for (int a = 0; a < alphas.Count; a++)
                {
                    outcomes[a] = HeldOutOutcomes.Allocate(points, shuffled.Length);
                    guarded[a, 0] = outcomes[a];
                    for (int g = 1; g < margins.Length; g++)
                    {
                        guarded[a, g] = HeldOutOutcomes.Allocate(points, shuffled.Length);
                    }
                }

                for (int f = 0; f < folds; f++)
                {
                    Split(shuffled, folds, f, out List<int> train, out List<int> test, out List<int> positions);
                    HeldOutEvaluator.EnsureDisjoint(dataset, train, test);
                    var fold = new HeldOutFold(dataset, embeddings, embedder, train, test, positions);
                    KMeansResult clustering = KMeans.Fit(embeddings, train, k, kMeans);
                    double[]? linearQuality = Gather(outOfFold, positions, models);
                    double[]? promptCost = Gather(costOutOfFold, positions, models);

                    for (int a = 0; a < alphas.Count; a++)
                    {
                        var settings = new FitSettings { PriorStrength = alphas[a], MinSimilarityQuantile = options.Fit.MinSimilarityQuantile, KMeans = kMeans };
                        FittedRouter fitted = ProfileBuilder.Build(dataset, train, embedder, clustering, settings, withLabels: false);
                        HeldOutEvaluator.Score(fold, fitted, options, outcomes[a], linearQuality, promptCost: promptCost);
                        for (int g = 1; g < margins.Length; g++)
                        {
                            HeldOutEvaluator.Score(fold, fitted, options, guarded[a, g], linearQuality, family => PolicyFamilies.EstimatorOf(family) == EstimatorKinds.Linear, margins[g], promptCost);
                        }
                    }
                }

                for (int a = 0; a < alphas.Count; a++)
                {
                    foreach (string estimator in estimators)
                    {
                        // Threshold 0 first, so a threshold that only ties keeps the fallback off.
                        for (int g = 0; g < (estimator == EstimatorKinds.Linear ? margins.Length : 1); g++)
                        {
                            (double aiq, double maxQuality) = InnerAiq(guarded[a, g], points, estimator, shuffled.Length, costMin, costMax);
                            results.Add(new ClusterCountCandidate(estimator, k, k == 1 ? null : alphas[a], aiq, maxQuality, shipped[g])
                            {
                                TopClusters = estimator == EstimatorKinds.SoftClusters ? options.SoftClusters : 0,
                            });
                        }
                    }
                }
            }

            var bestPer = new Dictionary<string, ClusterCountCandidate>(StringComparer.Ordinal);
            foreach (ClusterCountCandidate c in results)
            {
                // Clearly better only: 1e-4 of AIQ is far below its standard error on any data set a router is fit on
                // (about 0.01 at 500 prompts), so such near-ties keep the earlier (smaller k, then smaller α) candidate.
                if (!bestPer.TryGetValue(c.Estimator, out ClusterCountCandidate? best) || c.Aiq > best.Aiq + AiqTieTolerance)
                {
                    bestPer[c.Estimator] = c;
                }
            }

            if (bestPer.TryGetValue(EstimatorKinds.SoftClusters, out ClusterCountCandidate? soft))
            {
                bestPer[EstimatorKinds.SoftClusters] = ChooseTopClusters(dataset, embeddings, embedder, shuffled, folds, soft, options, kMeans, points, costOutOfFold, costMin, costMax, results);
            }

            string chosen = estimators[0];
            foreach (string estimator in estimators)
            {
                if (bestPer[estimator].Aiq > bestPer[chosen].Aiq + AiqTieTolerance)
                {
                    chosen = estimator;
                }
            }

            ClusterCountCandidate nearest = bestPer[EstimatorKinds.NearestCluster];
            return new ClusterCountChoice(nearest.K, options.Fit.PriorStrength is null ? nearest.PriorStrength : null, results)
            {
                Estimator = chosen,
                LowConfidenceCandidates = shipped,
                BestPerEstimator = bestPer,
                Linear = linear,
                Cost = cost,
            };
        }

        // Soft clusters' blend size p: the candidates of EvaluationOptions.SoftClusterCandidates (p ≤ k) scored on the same
        // inner folds at the (k, α) soft clusters won with at the default p; the clustering is recomputed with the same
        // seed, so it is the one the first pass scored. The winner must beat the default p by the AIQ tie tolerance.
        private static ClusterCountCandidate ChooseTopClusters(RoutingDataset dataset, EmbeddingMatrix embeddings, EmbedderDefinition embedder, int[] shuffled, int folds, ClusterCountCandidate soft, EvaluationOptions options, KMeansOptions kMeans, PolicyPoint[] points, double[]? promptCostOutOfFold, double costMin, double costMax, List<ClusterCountCandidate> results)
        {
            var sizes = new List<int>();
            foreach (int p in options.SoftClusterCandidates)
            {
                if (p >= 2 && p <= Math.Min(soft.K, EstimatorDefinition.MaxTopClusters) && p != soft.TopClusters && !sizes.Contains(p))
                {
                    sizes.Add(p);
                }
            }

            if (sizes.Count == 0)
            {
                return soft;
            }

            PolicyPoint[] softPoints = Array.FindAll(points, p => PolicyFamilies.EstimatorOf(p.Family) == EstimatorKinds.SoftClusters);
            var outcomes = new HeldOutOutcomes[sizes.Count];
            for (int s = 0; s < sizes.Count; s++)
            {
                outcomes[s] = HeldOutOutcomes.Allocate(softPoints, shuffled.Length);
            }

            int models = dataset.ModelCount;
            for (int f = 0; f < folds; f++)
            {
                Split(shuffled, folds, f, out List<int> train, out List<int> test, out List<int> positions);
                var fold = new HeldOutFold(dataset, embeddings, embedder, train, test, positions);
                KMeansResult clustering = KMeans.Fit(embeddings, train, soft.K, kMeans);
                var settings = new FitSettings { PriorStrength = soft.PriorStrength, MinSimilarityQuantile = options.Fit.MinSimilarityQuantile, KMeans = kMeans };
                FittedRouter fitted = ProfileBuilder.Build(dataset, train, embedder, clustering, settings, withLabels: false);
                double[]? promptCost = Gather(promptCostOutOfFold, positions, models);
                for (int s = 0; s < sizes.Count; s++)
                {
                    HeldOutEvaluator.Score(fold, fitted, options with { SoftClusters = sizes[s] }, outcomes[s], promptCost: promptCost);
                }
            }

            ClusterCountCandidate best = soft;
            for (int s = 0; s < sizes.Count; s++)
            {
                (double aiq, double maxQuality) = InnerAiq(outcomes[s], softPoints, EstimatorKinds.SoftClusters, shuffled.Length, costMin, costMax);
                var candidate = soft with { Aiq = aiq, MaxQuality = maxQuality, TopClusters = sizes[s] };
                results.Add(candidate);
                if (aiq > best.Aiq + AiqTieTolerance)
                {
                    best = candidate;
                }
            }

            return best;
        }

        // The rows of a position × model matrix at the given positions, or null.
        private static double[]? Gather(double[]? byPosition, List<int> positions, int models)
        {
            if (byPosition is null)
            {
                return null;
            }

            var rows = new double[positions.Count * models];
            for (int i = 0; i < positions.Count; i++)
            {
                Array.Copy(byPosition, positions[i] * models, rows, i * models, models);
            }

            return rows;
        }

        // AIQ (and max quality, the cost-weight-0 point) of one estimator's points over every inner held-out prompt.
        private static (double Aiq, double MaxQuality) InnerAiq(HeldOutOutcomes outcomes, PolicyPoint[] points, string estimator, int rows, double costMin, double costMax)
        {
            var quality = new List<double>();
            var total = new List<double>();
            double maxQuality = double.NaN;
            for (int p = 0; p < points.Length; p++)
            {
                if (PolicyFamilies.EstimatorOf(points[p].Family) != estimator)
                {
                    continue;
                }

                double q = 0, c = 0;
                for (int i = 0; i < rows; i++)
                {
                    q += outcomes.Scores[outcomes.IndexOf(p, i)];
                    c += outcomes.Costs[outcomes.IndexOf(p, i)];
                }

                quality.Add(q / rows);
                total.Add(c);
                if (!PolicyFamilies.IsShortfall(points[p].Family) && points[p].Knob == 0)
                {
                    maxQuality = q / rows;
                }
            }

            return (QualityCostFrontier.Aiq(total, quality, costMin, costMax), maxQuality);
        }

        /// <summary>
        /// The low-confidence thresholds tried: 0, then each <see cref="LowConfidenceQuantiles"/> quantile (lower, by rank)
        /// of the margins of <paramref name="predictions"/> (row × model), one per share (index-aligned across estimators).
        /// </summary>
        internal static double[] MarginCandidates(double[] predictions, int models)
        {
            int rows = predictions.Length / models;
            var margins = new double[rows];
            for (int i = 0; i < rows; i++)
            {
                margins[i] = QualityEstimation.TopModelMargin(predictions.AsSpan(i * models, models), RoutingMath.AllModels(models), out _, out _);
            }

            Array.Sort(margins);
            var candidates = new List<double> { 0 };
            foreach (double q in LowConfidenceQuantiles)
            {
                double threshold = rows == 0 ? 0 : margins[(int)Math.Floor(q * (rows - 1))];
                candidates.Add(double.IsFinite(threshold) ? Math.Clamp(threshold, 0, 1) : 0);
            }

            return candidates.ToArray();
        }

        // The estimator's predictions (row × model) on rows, in their order.
        internal static double[] Predict(LinearQualityEstimator estimator, EmbeddingMatrix embeddings, IReadOnlyList<int> rows)
        {
            int models = estimator.ModelCount;
            var quality = new double[rows.Count * models];
            for (int i = 0; i < rows.Count; i++)
            {
                estimator.Predict(embeddings.Row(rows[i]), quality.AsSpan(i * models, models));
            }

            return quality;
        }

        /// <summary>Cheapest and most expensive single model's total cost over <paramref name="rows"/>: the range AIQ is taken on.</summary>
        public static void SingleModelCostRange(RoutingDataset dataset, IReadOnlyList<int> rows, out double costMin, out double costMax)
        {
            ArgumentNullException.ThrowIfNull(dataset);
            ArgumentNullException.ThrowIfNull(rows);
            costMin = double.PositiveInfinity;
            costMax = double.NegativeInfinity;
            for (int m = 0; m < dataset.ModelCount; m++)
            {
                double total = 0;
                foreach (int row in rows)
                {
                    total += dataset.CostUsd(row, m);
                }

                costMin = Math.Min(costMin, total);
                costMax = Math.Max(costMax, total);
            }
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
    }
}
