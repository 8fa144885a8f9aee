// Shared between the runtime and the source generator (linked source, netstandard2.0). The "why this model wins" text
// and the numbers in it are written here once: the generator's comment above every switch arm, RouteDecision.Explain
// (and through it routergen route and the sample), inspect, diff and the CLI's reports all print through this file, with
// one rounding.
using System;
using System.Collections.Generic;
using System.Globalization;

namespace RouterGen.Routing
{
    /// <summary>The explanation text of routing decisions and the number formats every surface shows them with.</summary>
    public static class RouteExplanation
    {
        /// <summary>A quality (success rate in [0, 1]) as a percentage with one decimal: 0.7443 → "74.4%".</summary>
        public static string Percent(double quality) => (quality * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

        /// <summary>A signed change in quality, in percentage points: "+1.20 pp".</summary>
        public static string PointsDelta(double delta) => (delta >= 0 ? "+" : "-") + Points(Math.Abs(delta));

        /// <summary>
        /// A quality gap in percentage points: "2.00 pp". Gaps under 0.1 pp keep more digits, because near-ties are what a
        /// reviewer most needs to see ("cheaper for 0.0040 pp less quality").
        /// </summary>
        public static string Points(double gap)
        {
            double points = gap * 100;
            return points.ToString(Math.Abs(points) >= 0.1 || points == 0 ? "0.00" : "0.00####", CultureInfo.InvariantCulture) + " pp";
        }

        /// <summary>A cost in USD: cents for ordinary costs, more digits only where they carry information.</summary>
        public static string Usd(double usd) => "$" + Money(usd);

        /// <summary>A signed cost change in USD: "+$0.12", "-$0.0004".</summary>
        public static string UsdDelta(double usd) => (usd < 0 ? "-$" : "+$") + Money(Math.Abs(usd));

        /// <summary>A knob value or other plain number in short form: 0.3, 0.045.</summary>
        public static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

        /// <summary>A cost-weighted utility.</summary>
        public static string Utility(double utility) => utility.ToString("0.0000", CultureInfo.InvariantCulture);

        /// <summary>A cosine similarity.</summary>
        public static string Similarity(double similarity) => similarity.ToString("0.000", CultureInfo.InvariantCulture);

        /// <summary>A policy and its knob as reports name them: "shortfall 0.05".</summary>
        public static string Describe(RoutingPolicy policy, double knob) => RoutingPolicyNames.Format(policy) + " " + Number(knob);

        /// <summary>The knob's symbol: w for the cost weight, τ for the shortfall threshold.</summary>
        public static string KnobSymbol(RoutingPolicy policy) => policy == RoutingPolicy.Shortfall ? "τ" : "w";

        /// <summary>Interval <paramref name="interval"/> of <paramref name="breakpoints"/> as text: "w &lt; 0.3", "0.3 ≤ w &lt; 0.5", "w ≥ 0.5", "any w".</summary>
        public static string KnobRange(KnobBreakpoints breakpoints, int interval, RoutingPolicy policy)
        {
            string knob = KnobSymbol(policy);
            double[] bounds = breakpoints.UpperBounds;
            return bounds.Length == 0 ? "any " + knob
                : interval == 0 ? $"{knob} < {Number(bounds[0])}"
                : interval == bounds.Length ? $"{knob} ≥ {Number(bounds[interval - 1])}"
                : $"{Number(bounds[interval - 1])} ≤ {knob} < {Number(bounds[interval])}";
        }

        /// <summary>
        /// Why the winner of interval <paramref name="interval"/> wins in one cluster (every model allowed): the cluster's
        /// statistics are <paramref name="quality"/> and <paramref name="costUsd"/> from <paramref name="start"/>.
        /// </summary>
        public static string WinnerReason(double[] quality, double[] costUsd, int start, int count, IReadOnlyList<string> modelIds, KnobBreakpoints breakpoints, int interval, RoutingPolicy policy)
        {
            double best = double.NegativeInfinity;
            for (int m = 0; m < count; m++)
            {
                best = Math.Max(best, quality[start + m]);
            }

            int model = breakpoints.Models[interval];
            double q = quality[start + model];
            if (policy == RoutingPolicy.Shortfall)
            {
                return q == best
                    ? "the best quality here, and no model within the threshold is cheaper"
                    : $"the cheapest model within {Points(best - q)} of the best quality ({Percent(best)})";
            }

            if (interval == 0)
            {
                return q == best ? "the highest expected quality (the cheapest such model)" : "the best quality-for-cost at low cost weights";
            }

            int previous = breakpoints.Models[interval - 1];
            return $"{Usd(costUsd[start + previous] - costUsd[start + model])} cheaper than {modelIds[previous]} for {Points(quality[start + previous] - q)} less quality";
        }

        /// <summary>A model with its expected quality and cost: "gpt-5 (quality 74.4%, $0.12)".</summary>
        public static string Choice(string modelId, double quality, double costUsd) => $"{modelId} (quality {Percent(quality)}, {Usd(costUsd)})";

        /// <summary>
        /// One line per knob interval of a cluster: "range: model (quality, cost): why." The generated router prints these
        /// above the cluster's switch arm, and a decision's <c>RouteDecision.Explain()</c> ends with its own interval's line.
        /// </summary>
        public static string Arm(double[] quality, double[] costUsd, int start, int count, IReadOnlyList<string> modelIds, KnobBreakpoints breakpoints, int interval, RoutingPolicy policy)
        {
            int model = breakpoints.Models[interval];
            return $"{KnobRange(breakpoints, interval, policy)}: {Choice(modelIds[model], quality[start + model], costUsd[start + model])}: " +
                   $"{WinnerReason(quality, costUsd, start, count, modelIds, breakpoints, interval, policy)}.";
        }

        /// <summary>
        /// Where a per-prompt estimate came from: the learned heads (costs from the nearest cluster, or blended over
        /// <paramref name="blendedCount"/> clusters), or a soft-cluster blend, naming the first clusters with their weights.
        /// </summary>
        public static string EstimateSource(bool learnedHeads, int blendedCount, IReadOnlyList<int> clusters, IReadOnlyList<double> weights, IReadOnlyList<string> clusterLabels)
        {
            string blend = BlendedClusters(blendedCount, clusters, weights, clusterLabels);
            if (learnedHeads)
            {
                return blendedCount == 0
                    ? "In distribution, so no fallback: the profile's learned estimator predicted each model's quality for this prompt (one calibrated logistic head per model), with the nearest cluster's costs."
                    : $"In distribution, so no fallback: the profile's learned estimator predicted each model's quality for this prompt (one calibrated logistic head per model), with costs blended over the {blendedCount} nearest clusters by similarity: {blend}.";
            }

            return $"In distribution, so no fallback: the {blendedCount} nearest clusters' quality and cost were blended by similarity (soft clusters): {blend}.";
        }

        /// <summary>
        /// The policy's reason over a per-prompt estimate: the chosen model and, when another model was allowed, the
        /// runner-up (the policy's choice without the winner), both with their estimated quality and cost.
        /// </summary>
        public static string EstimatedChoice(
            RoutingPolicy policy, double knob, double costScale, string chosen, double quality, double costUsd,
            string? runnerUp, double runnerUpQuality, double runnerUpCostUsd, double bestQuality)
        {
            string choice = Choice(chosen, quality, costUsd);
            string second = runnerUp is null ? "No other model is allowed." : $"The runner-up is {Choice(runnerUp, runnerUpQuality, runnerUpCostUsd)}";
            if (policy == RoutingPolicy.Shortfall)
            {
                string why = quality == bestQuality
                    ? "the best estimated quality, and no model within τ of it is cheaper"
                    : $"the cheapest model within τ of the best estimated quality ({Percent(bestQuality)}), giving up {Points(bestQuality - quality)}";
                return $"Shortfall policy (HyDRA), τ = {Number(knob)}, over this prompt's estimate: {choice} is {why}. " +
                       (runnerUp is null ? second : $"{second}: {PointsDelta(runnerUpQuality - quality)} quality, {UsdDelta(runnerUpCostUsd - costUsd)} per request.");
            }

            double u = RoutingMath.CostWeightedUtility(quality, costUsd, costScale, knob);
            string head = $"Cost-weighted policy, w = {Number(knob)}, over this prompt's estimate: utility = (1 − w)·quality − w·cost/{Usd(costScale)}; {choice} has the highest, {Utility(u)}.";
            if (runnerUp is null)
            {
                return $"{head} {second}";
            }

            double u2 = RoutingMath.CostWeightedUtility(runnerUpQuality, runnerUpCostUsd, costScale, knob);
            return $"{head} {second}, utility {Utility(u2)}: {PointsDelta(runnerUpQuality - quality)} quality, {UsdDelta(runnerUpCostUsd - costUsd)} per request.";
        }

        /// <summary>
        /// Why a per-prompt estimate was not trusted: its best allowed model leads the runner-up allowed model (by estimated
        /// quality) by less than the profile's low-confidence margin, so the global statistics decide.
        /// </summary>
        public static string LowConfidence(bool learnedHeads, string leader, double leaderQuality, string runnerUp, double runnerUpQuality, double threshold)
        {
            string estimate = learnedHeads ? "the learned estimator's" : "the soft-cluster blend's";
            return $"Low confidence: {estimate} best allowed model, {leader} ({Percent(leaderQuality)}), leads the runner-up, {runnerUp} ({Percent(runnerUpQuality)}), " +
                   $"by {Points(leaderQuality - runnerUpQuality)}, less than the profile's low-confidence margin of {Points(threshold)}: the estimate cannot tell them apart, so the global (sample-weighted) statistics decide.";
        }

        // "#4 "model, models, class" (weight 0.52), #0 "django" (0.31), and 1 more (0.17)".
        private static string BlendedClusters(int blendedCount, IReadOnlyList<int> clusters, IReadOnlyList<double> weights, IReadOnlyList<string> clusterLabels)
        {
            var parts = new List<string>();
            double named = 0;
            for (int i = 0; i < clusters.Count; i++)
            {
                named += weights[i];
                parts.Add($"#{clusters[i]} \"{clusterLabels[clusters[i]]}\" ({(i == 0 ? "weight " : "")}{weights[i].ToString("0.00", CultureInfo.InvariantCulture)})");
            }

            if (blendedCount > clusters.Count)
            {
                int rest = blendedCount - clusters.Count;
                parts.Add($"and {rest} more ({Math.Max(0, 1 - named).ToString("0.00", CultureInfo.InvariantCulture)} together)");
            }

            return string.Join(", ", parts);
        }

        private static string Money(double usd)
        {
            double magnitude = Math.Abs(usd);
            string format = magnitude == 0 || magnitude >= 0.01 ? "0.00##" : magnitude >= 1e-6 ? "0.00####" : "0.##E+0";
            return usd.ToString(format, CultureInfo.InvariantCulture);
        }
    }
}
