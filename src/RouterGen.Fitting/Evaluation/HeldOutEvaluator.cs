using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using RouterGen.Routing;

namespace RouterGen.Fitting
{
    /// <summary>Fits a router on some prompts and scores every policy point on other prompts.</summary>
    public static class HeldOutEvaluator
    {
        /// <summary>Refuses evaluation rows whose prompt id is also a fit row's id.</summary>
        /// <exception cref="LeakageException">Some ids are in both sets; the message lists up to five.</exception>
        public static void EnsureDisjoint(RoutingDataset dataset, IReadOnlyList<int> fitRows, IReadOnlyList<int> evalRows)
        {
            ArgumentNullException.ThrowIfNull(dataset);
            ArgumentNullException.ThrowIfNull(fitRows);
            ArgumentNullException.ThrowIfNull(evalRows);
            var fitIds = new HashSet<string>(StringComparer.Ordinal);
            foreach (int row in fitRows)
            {
                fitIds.Add(dataset.Prompts[row].Id);
            }

            var overlap = new List<string>();
            int count = 0;
            foreach (int row in evalRows)
            {
                if (fitIds.Contains(dataset.Prompts[row].Id))
                {
                    count++;
                    if (overlap.Count < 5)
                    {
                        overlap.Add(dataset.Prompts[row].Id);
                    }
                }
            }

            if (count > 0)
            {
                throw new LeakageException(
                    $"Refusing to evaluate: {count} evaluation prompt(s) were also fit on (ids {string.Join(", ", overlap)}{(count > overlap.Count ? ", ..." : "")}). Held-out numbers must come from prompts the router never saw.");
            }
        }

        /// <summary>
        /// Fits on the fold's fit rows and, for each evaluation row and policy point, writes the score and cost of the chosen
        /// model into <paramref name="outcomes"/> at the row's evaluation position.
        /// </summary>
        /// <returns>The fitted router (its cluster count and prior are reported).</returns>
        /// <exception cref="LeakageException">A prompt id is in both sets.</exception>
        public static FittedRouter EvaluateFold(HeldOutFold fold, int k, FitSettings settings, EvaluationOptions options, HeldOutOutcomes outcomes, Func<string, bool>? families = null, double[]? promptCost = null)
        {
            ArgumentNullException.ThrowIfNull(fold);

            // Score checks the remaining arguments; nothing is fit before the leakage check.
            EnsureDisjoint(fold.Dataset, fold.FitRows, fold.EvalRows);
            FittedRouter fitted = ProfileBuilder.Build(fold.Dataset, fold.Embeddings, fold.FitRows, fold.Embedder, k, settings, withLabels: false);
            Score(fold, fitted, options, outcomes, families: families, promptCost: promptCost);
            return fitted;
        }

        /// <summary>
        /// Scores an already fitted router on the fold's evaluation rows (see <see cref="EvaluateFold"/>; the caller guarantees
        /// that they were not fit on). Out-of-distribution prompts take the fallback rule: with
        /// <see cref="EvaluationOptions.FallbackHonoursKnob"/>, the global statistics under the point's own policy and knob;
        /// otherwise the fixed fallback model. <paramref name="linearQuality"/> (evaluation row × model, calibrated) feeds the
        /// learned families; points of families that <paramref name="families"/> rejects (and the learned ones without
        /// predictions) are left untouched, so several fitted routers can fill one matrix. With a
        /// <paramref name="lowConfidenceMargin"/> above 0, a prompt whose per-prompt estimate (learned or soft-cluster) puts
        /// its best model less than that ahead of the runner-up is routed by the global statistics under the point's policy
        /// and knob, as the deployed router's low-confidence fallback does.
        /// </summary>
        /// <remarks>
        /// <paramref name="promptCost"/> (evaluation row × model), when given, replaces the clusters' mean costs in every
        /// router family's choice for in-distribution prompts (a learned cost head's estimates);
        /// <see cref="CostEstimates.PerPromptTrue"/> in <paramref name="options"/> uses each prompt's true costs instead.
        /// </remarks>
        /// <returns>How many evaluation rows took the low-confidence fallback in the scored estimator families.</returns>
        public static int Score(HeldOutFold fold, FittedRouter fitted, EvaluationOptions options, HeldOutOutcomes outcomes, double[]? linearQuality = null, Func<string, bool>? families = null, double lowConfidenceMargin = 0, double[]? promptCost = null)
        {
            ArgumentNullException.ThrowIfNull(fold);
            ArgumentNullException.ThrowIfNull(fitted);
            ArgumentNullException.ThrowIfNull(options);
            ArgumentNullException.ThrowIfNull(outcomes);
            RoutingDataset dataset = fold.Dataset;
            EmbeddingMatrix embeddings = fold.Embeddings;
            IReadOnlyList<int> evalRows = fold.EvalRows;
            IReadOnlyList<int> evalPositions = fold.EvalPositions;
            PolicyPoint[] points = outcomes.Points;
            RouterProfile router = fitted.Router;
            RouterTables tables = router.Tables;
            int models = dataset.ModelCount;
            int clusters = tables.ClusterCount;
            int dimension = embeddings.Dimension;
            var include = new bool[points.Length];
            for (int p = 0; p < points.Length; p++)
            {
                string family = points[p].Family;
                string? estimator = PolicyFamilies.EstimatorOf(family);
                include[p] = (families is null || families(family)) && estimator != "selected" && (estimator != EstimatorKinds.Linear || linearQuality is not null);
            }

            var blendedQuality = new double[models];
            var blendedCost = new double[models];
            var globalQuality = new double[models];
            var globalCost = new double[models];
            var clusterCost = new double[models];
            var learned = new double[models];
            var nearestQuality = new double[models];
            var estimatedCost = new double[models];
            bool trueCost = options.CostEstimate == CostEstimates.PerPromptTrue;
            bool perPromptCost = trueCost || promptCost is not null;
            for (int m = 0; m < models; m++)
            {
                globalQuality[m] = tables.QualityOf(-1, m);
                globalCost[m] = tables.CostOf(-1, m);
            }

            ulong all = RoutingMath.AllModels(models);
            bool scoresLinear = false, scoresSoft = false;
            for (int p = 0; p < points.Length; p++)
            {
                scoresLinear |= include[p] && PolicyFamilies.EstimatorOf(points[p].Family) == EstimatorKinds.Linear;
                scoresSoft |= include[p] && PolicyFamilies.EstimatorOf(points[p].Family) == EstimatorKinds.SoftClusters;
            }

            int lowConfidenceRows = 0;
            for (int i = 0; i < evalRows.Count; i++)
            {
                int row = evalRows[i];
                int position = evalPositions[i];
                ReadOnlySpan<float> embedding = embeddings.Row(row);
                ReadOnlySpan<double> rowScores = dataset.ScoresOf(row);
                ReadOnlySpan<double> rowCosts = dataset.CostsOf(row);
                int nearest = CentroidSearch.Nearest(router.UnitCentroids, dimension, embedding, out float similarity);
                bool outOfDistribution = nearest < 0 || similarity < tables.MinSimilarity;
                bool softReady = false;
                bool linearUnsure = false, softUnsure = false;
                if (linearQuality is not null && !outOfDistribution)
                {
                    for (int m = 0; m < models; m++)
                    {
                        learned[m] = linearQuality[(i * models) + m];
                        clusterCost[m] = tables.CostOf(nearest, m);
                    }

                    linearUnsure = scoresLinear && lowConfidenceMargin > 0 && QualityEstimation.TopModelMargin(learned, all, out _, out _) < lowConfidenceMargin;
                }

                if (scoresSoft && !outOfDistribution)
                {
                    Blend(router, embedding, options.SoftClusters, blendedQuality, blendedCost);
                    softReady = true;
                    softUnsure = lowConfidenceMargin > 0 && QualityEstimation.TopModelMargin(blendedQuality, all, out _, out _) < lowConfidenceMargin;
                }

                lowConfidenceRows += linearUnsure || softUnsure ? 1 : 0;
                if (perPromptCost && !outOfDistribution)
                {
                    for (int m = 0; m < models; m++)
                    {
                        nearestQuality[m] = tables.QualityOf(nearest, m);
                        estimatedCost[m] = trueCost ? rowCosts[m] : promptCost![(i * models) + m];
                    }
                }

                for (int p = 0; p < points.Length; p++)
                {
                    if (!include[p])
                    {
                        continue;
                    }

                    PolicyPoint point = points[p];
                    int at = outcomes.IndexOf(p, position);
                    int model;
                    bool shortfall = PolicyFamilies.IsShortfall(point.Family);
                    if (point.Family == PolicyFamilies.Random)
                    {
                        outcomes.Scores[at] = Mean(rowScores);
                        outcomes.Costs[at] = Mean(rowCosts);
                        continue;
                    }

                    if (point.Family == PolicyFamilies.GlobalBest)
                    {
                        model = tables.FallbackModel;
                    }
                    else if (outOfDistribution || (linearUnsure && PolicyFamilies.EstimatorOf(point.Family) == EstimatorKinds.Linear) ||
                             (softUnsure && PolicyFamilies.EstimatorOf(point.Family) == EstimatorKinds.SoftClusters))
                    {
                        model = !options.FallbackHonoursKnob ? tables.FallbackModel : Choose(globalQuality, globalCost, shortfall, point.Knob, tables.CostScale, all);
                    }
                    else if (point.Family is PolicyFamilies.SoftClusters or PolicyFamilies.SoftClustersShortfall)
                    {
                        if (!softReady)
                        {
                            Blend(router, embedding, options.SoftClusters, blendedQuality, blendedCost);
                            softReady = true;
                        }

                        model = Choose(blendedQuality, perPromptCost ? estimatedCost : blendedCost, shortfall, point.Knob, tables.CostScale, all);
                    }
                    else if (point.Family is PolicyFamilies.Linear or PolicyFamilies.LinearShortfall)
                    {
                        model = Choose(learned, perPromptCost ? estimatedCost : clusterCost, shortfall, point.Knob, tables.CostScale, all);
                    }
                    else if (perPromptCost)
                    {
                        model = Choose(nearestQuality, estimatedCost, shortfall, point.Knob, tables.CostScale, all);
                    }
                    else
                    {
                        // RouterProfile.Route's own flow after its centroid search, without repeating the search per knob.
                        model = router.Decide(nearest, similarity, point.ToRoutingOptions()).ModelIndex;
                    }

                    outcomes.Scores[at] = rowScores[model];
                    outcomes.Costs[at] = rowCosts[model];
                }
            }

            return lowConfidenceRows;
        }

        /// <summary>
        /// Copies the points of the chosen estimator's two families into the <see cref="PolicyFamilies.Selected"/> families
        /// for the given evaluation positions (the knob grids of every family are the same).
        /// </summary>
        public static void CopySelected(HeldOutOutcomes outcomes, string estimator, IReadOnlyList<int> evalPositions)
        {
            ArgumentNullException.ThrowIfNull(outcomes);
            ArgumentNullException.ThrowIfNull(evalPositions);
            PolicyPoint[] points = outcomes.Points;
            (string costWeighted, string shortfall) = PolicyFamilies.Of(estimator);
            for (int p = 0; p < points.Length; p++)
            {
                string? source = points[p].Family switch
                {
                    PolicyFamilies.Selected => costWeighted,
                    PolicyFamilies.SelectedShortfall => shortfall,
                    _ => null,
                };
                if (source is null)
                {
                    continue;
                }

                int from = Array.FindIndex(points, q => q.Family == source && q.Knob == points[p].Knob);
                foreach (int position in evalPositions)
                {
                    outcomes.Scores[outcomes.IndexOf(p, position)] = outcomes.Scores[outcomes.IndexOf(from, position)];
                    outcomes.Costs[outcomes.IndexOf(p, position)] = outcomes.Costs[outcomes.IndexOf(from, position)];
                }
            }
        }

        /// <summary>
        /// Adds each evaluation row's predicted quality per model to <paramref name="tally"/>: the nearest cluster's statistics,
        /// or <paramref name="linearQuality"/> (row × model) when given; out-of-distribution rows predict the global rates,
        /// as routing does.
        /// </summary>
        public static void RecordCalibration(CalibrationTally tally, string estimator, RoutingDataset dataset, EmbeddingMatrix embeddings, FittedRouter fitted, IReadOnlyList<int> evalRows, double[]? linearQuality)
        {
            ArgumentNullException.ThrowIfNull(tally);
            ArgumentNullException.ThrowIfNull(dataset);
            ArgumentNullException.ThrowIfNull(embeddings);
            ArgumentNullException.ThrowIfNull(fitted);
            ArgumentNullException.ThrowIfNull(evalRows);
            RouterTables tables = fitted.Router.Tables;
            int models = dataset.ModelCount;
            for (int i = 0; i < evalRows.Count; i++)
            {
                int nearest = CentroidSearch.Nearest(fitted.Router.UnitCentroids, embeddings.Dimension, embeddings.Row(evalRows[i]), out float similarity);
                int cluster = nearest < 0 || similarity < tables.MinSimilarity ? -1 : nearest;
                for (int m = 0; m < models; m++)
                {
                    double predicted = cluster >= 0 && linearQuality is not null ? linearQuality[(i * models) + m] : tables.QualityOf(cluster, m);
                    tally.Add(estimator, m, predicted, dataset.Score(evalRows[i], m));
                }
            }
        }

        private static int Choose(double[] quality, double[] cost, bool shortfall, double knob, double costScale, ulong all) =>
            shortfall
                ? RoutingMath.ChooseShortfall(quality, cost, 0, quality.Length, knob, all)
                : RoutingMath.ChooseCostWeighted(quality, cost, 0, quality.Length, costScale, knob, all);

        // The soft-cluster estimate a deployed soft-cluster profile computes, through the router's own function.
        private static void Blend(RouterProfile router, ReadOnlySpan<float> embedding, int top, double[] quality, double[] cost) =>
            QualityEstimation.BlendNearestClusters(router.Tables, router.UnitCentroids, embedding, top, quality, cost);

        private static double Mean(ReadOnlySpan<double> values)
        {
            double sum = 0;
            foreach (double v in values)
            {
                sum += v;
            }

            return sum / values.Length;
        }
    }
}
