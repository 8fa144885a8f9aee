using System;
using System.Collections.Generic;

namespace RouterGen.Fitting
{
    /// <summary>
    /// Turns per-prompt held-out outcomes into the report: point averages, single-model references, the oracle, Pareto
    /// frontiers, HyDRA's three regimes and bootstrap intervals (prompts resampled with replacement; the regime's point is
    /// re-selected inside every resample, so the interval includes the selection's own uncertainty).
    /// </summary>
    public static class EvaluationAnalysis
    {
        /// <summary>Quality tolerance of the third regime: 3 points below the best single model.</summary>
        public const double WithinTolerance = 0.03;

        /// <summary>Analyses a held-out run.</summary>
        public static EvaluationReport Analyse(HeldOutRun run, EvaluationOptions options)
        {
            ArgumentNullException.ThrowIfNull(run);
            ArgumentNullException.ThrowIfNull(options);
            RoutingDataset data = run.Dataset;
            int n = run.EvalRows.Length;
            int models = data.ModelCount;
            int pointCount = run.Points.Length;

            // Single models and the oracle as point × prompt matrices, so the bootstrap treats them like router points.
            var singleScores = new double[models * n];
            var singleCosts = new double[models * n];
            var oracleScores = new double[n];
            var oracleCosts = new double[n];
            for (int i = 0; i < n; i++)
            {
                int row = run.EvalRows[i];
                int best = 0;
                for (int m = 0; m < models; m++)
                {
                    double s = data.Score(row, m), c = data.CostUsd(row, m);
                    singleScores[(m * n) + i] = s;
                    singleCosts[(m * n) + i] = c;
                    if (s > data.Score(row, best) || (s == data.Score(row, best) && c < data.CostUsd(row, best)))
                    {
                        best = m;
                    }
                }

                oracleScores[i] = data.Score(row, best);
                oracleCosts[i] = data.CostUsd(row, best);
            }

            var pointQuality = new double[pointCount];
            var pointCost = new double[pointCount];
            for (int p = 0; p < pointCount; p++)
            {
                pointQuality[p] = Mean(run.Scores, p * n, n);
                pointCost[p] = Sum(run.Costs, p * n, n);
            }

            var singleQuality = new double[models];
            var singleCost = new double[models];
            for (int m = 0; m < models; m++)
            {
                singleQuality[m] = Mean(singleScores, m * n, n);
                singleCost[m] = Sum(singleCosts, m * n, n);
            }

            bool[] deployable = PolicyFamilies.Deployable(run.Points);

            bool[] pointFrontier = Frontier(pointQuality, pointCost, deployable);
            bool[] singleFrontier = Frontier(singleQuality, singleCost, null);
            int bestSingle = BestIndex(singleQuality, singleCost);

            var points = new List<PointResult>();
            for (int p = 0; p < pointCount; p++)
            {
                points.Add(new PointResult(run.Points[p], pointQuality[p], pointCost[p], pointFrontier[p]));
            }

            var singles = new List<SingleModelResult>();
            for (int m = 0; m < models; m++)
            {
                singles.Add(new SingleModelResult(data.Models[m].Id, singleQuality[m], singleCost[m], singleFrontier[m]));
            }

            var comparisons = new List<SingleModelComparison>();
            bool nowhereBelow = true;
            for (int m = 0; m < models; m++)
            {
                double atCost = double.NaN;
                int cheapest = -1;
                for (int p = 0; p < pointCount; p++)
                {
                    if (!deployable[p])
                    {
                        continue;
                    }

                    if (pointCost[p] <= singleCost[m] && (double.IsNaN(atCost) || pointQuality[p] > atCost))
                    {
                        atCost = pointQuality[p];
                    }

                    if (pointQuality[p] >= singleQuality[m] && (cheapest < 0 || pointCost[p] < pointCost[cheapest]))
                    {
                        cheapest = p;
                    }
                }

                if (singleFrontier[m] && !(atCost >= singleQuality[m]))
                {
                    nowhereBelow = false;
                }

                comparisons.Add(new SingleModelComparison(data.Models[m].Id, singleQuality[m], singleCost[m], atCost, cheapest < 0 ? null : run.Points[cheapest], cheapest < 0 ? double.NaN : pointCost[cheapest]));
            }

            List<RegimeResult> regimes = Regimes(run, options, deployable, pointQuality, pointCost, singleScores, singleCosts, bestSingle, n);
            List<FamilyFrontier> families = Families(run, options, deployable, pointQuality, pointCost, singleQuality, singleCost, singleScores, singleCosts, bestSingle, out Interval singleHull, out double costMin, out double costMax);
            return new EvaluationReport
            {
                Dataset = data.Name,
                Mode = run.Mode,
                Folds = run.Folds,
                Seeds = run.Seeds,
                Seed = options.Seed,
                PromptCount = n,
                FitPromptCount = run.FitCount,
                ModelIds = data.ModelIds(),
                EmbedderIdentity = run.EmbedderIdentity,
                ClusterCounts = run.ClusterCounts,
                PriorStrengths = run.PriorStrengths,
                EstimatorChoices = run.EstimatorChoices,
                SoftClusterSizes = run.SoftClusterSizes,
                LowConfidenceMargins = run.LowConfidenceMargins,
                LowConfidenceShare = run.LowConfidenceShare,
                Calibration = run.Calibration,
                Points = points,
                Singles = singles,
                BestSingle = singles[bestSingle],
                Oracle = new SingleModelResult("oracle", Mean(oracleScores, 0, n), Sum(oracleCosts, 0, n), false),
                Regimes = regimes,
                Comparisons = comparisons,
                FrontierNowhereBelowSingles = nowhereBelow,
                Families = families,
                SingleModelHullAiq = singleHull,
                AiqCostMinUsd = costMin,
                AiqCostMaxUsd = costMax,
                ElapsedSeconds = run.ElapsedSeconds,
            };
        }

        /// <summary>
        /// Marks the Pareto frontier among the included items: an item is on it when no other included item has
        /// quality ≥ and cost ≤ with one strictly better (of identical items, the first).
        /// </summary>
        public static bool[] Frontier(double[] quality, double[] cost, bool[]? include)
        {
            ArgumentNullException.ThrowIfNull(quality);
            ArgumentNullException.ThrowIfNull(cost);
            var result = new bool[quality.Length];
            for (int a = 0; a < quality.Length; a++)
            {
                if (include is not null && !include[a])
                {
                    continue;
                }

                bool dominated = false;
                for (int b = 0; b < quality.Length && !dominated; b++)
                {
                    if (b == a || (include is not null && !include[b]))
                    {
                        continue;
                    }

                    // Identical points: only the first stays on the frontier, so it lists each operating point once.
                    dominated = quality[b] >= quality[a] && cost[b] <= cost[a] && (quality[b] > quality[a] || cost[b] < cost[a] || b < a);
                }

                result[a] = !dominated;
            }

            return result;
        }

        /// <summary>
        /// AIQ of every family (and of the deployable points pooled: <see cref="PolicyFamilies.Deployable"/>) and of the single-model hull, on one cost range: from
        /// the cheapest to the most expensive single model or router point, so every curve is integrated over the same
        /// costs. Intervals resample prompts; the range is recomputed inside each resample.
        /// </summary>
        private static List<FamilyFrontier> Families(HeldOutRun run, EvaluationOptions options, bool[] deployable, double[] pointQuality, double[] pointCost, double[] singleQuality, double[] singleCost, double[] singleScores, double[] singleCosts, int bestSingle, out Interval singleHull, out double costMin, out double costMax)
        {
            int n = run.EvalRows.Length;
            var names = new List<string>();
            var members = new List<List<int>>();
            void Join(string name, int point)
            {
                int at = names.IndexOf(name);
                if (at < 0)
                {
                    names.Add(name);
                    members.Add(new List<int>());
                    at = names.Count - 1;
                }

                members[at].Add(point);
            }

            for (int p = 0; p < run.Points.Length; p++)
            {
                if (deployable[p])
                {
                    Join(FamilyFrontier.Deployable, p);
                }
            }

            for (int p = 0; p < run.Points.Length; p++)
            {
                Join(run.Points[p].Family, p);
            }

            double[] aiq = FamilyAiq(members, pointQuality, pointCost, singleQuality, singleCost, out double singleAiq, out costMin, out costMax);

            int samples = Math.Max(0, options.BootstrapSamples);
            var resampled = new List<double>[names.Count];
            var resampledDelta = new List<double>[names.Count];
            for (int g = 0; g < names.Count; g++)
            {
                resampled[g] = new List<double>(samples);
                resampledDelta[g] = new List<double>(samples);
            }

            var resampledSingle = new List<double>(samples);
            var random = new SeededRandom(options.Seed, 0xA10);
            var counts = new int[n];
            var q = new double[run.Points.Length];
            var c = new double[run.Points.Length];
            var sq = new double[singleQuality.Length];
            var sc = new double[singleQuality.Length];
            for (int b = 0; b < samples; b++)
            {
                Array.Clear(counts);
                for (int i = 0; i < n; i++)
                {
                    counts[random.Next(n)]++;
                }

                for (int p = 0; p < q.Length; p++)
                {
                    Weighted(run.Scores, run.Costs, p * n, n, counts, out q[p], out c[p]);
                }

                for (int m = 0; m < sq.Length; m++)
                {
                    Weighted(singleScores, singleCosts, m * n, n, counts, out sq[m], out sc[m]);
                }

                double[] values = FamilyAiq(members, q, c, sq, sc, out double single, out _, out _);
                resampledSingle.Add(single);
                for (int g = 0; g < names.Count; g++)
                {
                    resampled[g].Add(values[g]);
                    resampledDelta[g].Add(values[g] - single);
                }
            }

            singleHull = Percentiles(singleAiq, resampledSingle, samples);
            double bestQuality = singleQuality[bestSingle], bestCost = singleCost[bestSingle];
            var result = new List<FamilyFrontier>();
            for (int g = 0; g < names.Count; g++)
            {
                var include = new bool[run.Points.Length];
                int top = -1;
                foreach (int p in members[g])
                {
                    include[p] = true;
                    if (top < 0 || pointQuality[p] > pointQuality[top] || (pointQuality[p] == pointQuality[top] && pointCost[p] < pointCost[top]))
                    {
                        top = p;
                    }
                }

                int reach = Cheapest(pointQuality, pointCost, include, bestQuality);
                result.Add(new FamilyFrontier(
                    names[g],
                    Percentiles(aiq[g], resampled[g], samples),
                    Percentiles(aiq[g] - singleAiq, resampledDelta[g], samples),
                    pointQuality[top],
                    pointCost[top],
                    reach < 0 ? null : run.Points[reach],
                    reach < 0 || !(bestCost > 0) ? double.NaN : pointCost[reach] / bestCost));
            }

            return result;
        }

        private static double[] FamilyAiq(List<List<int>> members, double[] quality, double[] cost, double[] singleQuality, double[] singleCost, out double singleAiq, out double costMin, out double costMax)
        {
            costMin = double.PositiveInfinity;
            costMax = double.NegativeInfinity;
            foreach (double v in cost)
            {
                costMin = Math.Min(costMin, v);
                costMax = Math.Max(costMax, v);
            }

            foreach (double v in singleCost)
            {
                costMin = Math.Min(costMin, v);
                costMax = Math.Max(costMax, v);
            }

            singleAiq = QualityCostFrontier.Aiq(singleCost, singleQuality, costMin, costMax);
            var result = new double[members.Count];
            var groupCost = new List<double>();
            var groupQuality = new List<double>();
            for (int g = 0; g < members.Count; g++)
            {
                groupCost.Clear();
                groupQuality.Clear();
                foreach (int p in members[g])
                {
                    groupCost.Add(cost[p]);
                    groupQuality.Add(quality[p]);
                }

                result[g] = QualityCostFrontier.Aiq(groupCost, groupQuality, costMin, costMax);
            }

            return result;
        }

        private static List<RegimeResult> Regimes(HeldOutRun run, EvaluationOptions options, bool[] deployable, double[] pointQuality, double[] pointCost, double[] singleScores, double[] singleCosts, int bestSingle, int n)
        {
            // The deployed router's max-quality knob: cost weight 0 of the estimator the fit ships.
            int maxQualityPoint = -1;
            for (int p = 0; p < run.Points.Length; p++)
            {
                if (deployable[p] && !PolicyFamilies.IsShortfall(run.Points[p].Family) && run.Points[p].Knob == 0)
                {
                    maxQualityPoint = p;
                }
            }

            double bestQuality = Mean(singleScores, bestSingle * n, n);
            double bestCost = Sum(singleCosts, bestSingle * n, n);
            int matchPoint = Cheapest(pointQuality, pointCost, deployable, bestQuality);
            int withinPoint = Cheapest(pointQuality, pointCost, deployable, bestQuality - WithinTolerance);

            // Bootstrap: per resample, the metric of each regime.
            int samples = Math.Max(0, options.BootstrapSamples);
            var peakDelta = new List<double>();
            var peakSaving = new List<double>();
            var matchDelta = new List<double>();
            var matchSaving = new List<double>();
            var withinDelta = new List<double>();
            var withinSaving = new List<double>();
            var random = new SeededRandom(options.Seed, 0xB0075);
            var counts = new int[n];
            var q = new double[run.Points.Length];
            var c = new double[run.Points.Length];
            for (int b = 0; b < samples; b++)
            {
                Array.Clear(counts);
                for (int i = 0; i < n; i++)
                {
                    counts[random.Next(n)]++;
                }

                for (int p = 0; p < run.Points.Length; p++)
                {
                    if (!deployable[p])
                    {
                        continue;
                    }

                    Weighted(run.Scores, run.Costs, p * n, n, counts, out q[p], out c[p]);
                }

                Weighted(singleScores, singleCosts, bestSingle * n, n, counts, out double bq, out double bc);
                if (maxQualityPoint >= 0)
                {
                    peakDelta.Add(q[maxQualityPoint] - bq);
                    peakSaving.Add(Saving(c[maxQualityPoint], bc));
                }

                int match = Cheapest(q, c, deployable, bq);
                if (match >= 0)
                {
                    matchDelta.Add(q[match] - bq);
                    matchSaving.Add(Saving(c[match], bc));
                }

                int within = Cheapest(q, c, deployable, bq - WithinTolerance);
                if (within >= 0)
                {
                    withinDelta.Add(q[within] - bq);
                    withinSaving.Add(Saving(c[within], bc));
                }
            }

            RegimeResult Make(string name, string description, int point, List<double> deltas, List<double> savings)
            {
                double quality = point < 0 ? double.NaN : pointQuality[point];
                double cost = point < 0 ? double.NaN : pointCost[point];
                return new RegimeResult(
                    name,
                    description,
                    point < 0 ? null : run.Points[point],
                    quality,
                    cost,
                    Percentiles(quality - bestQuality, deltas, samples),
                    Percentiles(point < 0 ? double.NaN : Saving(cost, bestCost), savings, samples));
            }

            return new List<RegimeResult>
            {
                Make("peak-quality", "The max-quality router (cost weight 0) against the best single model: quality gain and cost saving.", maxQualityPoint, peakDelta, peakSaving),
                Make("match-best-single", "The cheapest deployable router point with at least the best single model's quality: cost saving.", matchPoint, matchDelta, matchSaving),
                Make("within-3-points", "The cheapest deployable router point within 3 points of the best single model's quality: cost saving.", withinPoint, withinDelta, withinSaving),
            };
        }

        /// <summary>Index of the cheapest included item with quality ≥ <paramref name="threshold"/>, ties to the higher quality; -1 when none.</summary>
        public static int Cheapest(double[] quality, double[] cost, bool[] include, double threshold)
        {
            ArgumentNullException.ThrowIfNull(quality);
            ArgumentNullException.ThrowIfNull(cost);
            ArgumentNullException.ThrowIfNull(include);
            int best = -1;
            for (int p = 0; p < quality.Length; p++)
            {
                // A tiny tolerance: a point equal to the threshold up to summation order counts as reaching it.
                if (!include[p] || quality[p] < threshold - 1e-12)
                {
                    continue;
                }

                if (best < 0 || cost[p] < cost[best] || (cost[p] == cost[best] && quality[p] > quality[best]))
                {
                    best = p;
                }
            }

            return best;
        }

        private static double Saving(double cost, double reference) => reference > 0 ? 1 - (cost / reference) : double.NaN;

        private static Interval Percentiles(double estimate, List<double> values, int samples)
        {
            if (values.Count == 0)
            {
                return new Interval(estimate, double.NaN, double.NaN, 0, samples);
            }

            values.Sort();
            return new Interval(estimate, Quantile(values, 0.025), Quantile(values, 0.975), values.Count, samples);
        }

        private static double Quantile(List<double> sorted, double q)
        {
            double at = q * (sorted.Count - 1);
            int lo = (int)Math.Floor(at);
            int hi = Math.Min(lo + 1, sorted.Count - 1);
            return sorted[lo] + ((at - lo) * (sorted[hi] - sorted[lo]));
        }

        private static void Weighted(double[] scores, double[] costs, int start, int n, int[] counts, out double quality, out double cost)
        {
            double s = 0, c = 0;
            for (int i = 0; i < n; i++)
            {
                if (counts[i] != 0)
                {
                    s += counts[i] * scores[start + i];
                    c += counts[i] * costs[start + i];
                }
            }

            quality = s / n;
            cost = c;
        }

        private static int BestIndex(double[] quality, double[] cost)
        {
            int best = 0;
            for (int i = 1; i < quality.Length; i++)
            {
                if (quality[i] > quality[best] || (quality[i] == quality[best] && cost[i] < cost[best]))
                {
                    best = i;
                }
            }

            return best;
        }

        private static double Mean(double[] values, int start, int n) => n == 0 ? 0 : Sum(values, start, n) / n;

        private static double Sum(double[] values, int start, int n)
        {
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                sum += values[start + i];
            }

            return sum;
        }
    }
}
