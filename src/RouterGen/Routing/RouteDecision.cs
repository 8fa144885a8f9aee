using System;
using System.Collections.Generic;

namespace RouterGen.Routing
{
    /// <summary>
    /// The outcome of routing one prompt: the chosen model, the cluster that decided it, and what was expected of the
    /// choice. A value type that allocates nothing; ranked alternatives are computed on demand into a caller's buffer.
    /// </summary>
    public readonly struct RouteDecision
    {
        private readonly RouterTables _tables;

        // The chosen model's per-prompt estimate (format version 2 estimators); NaN when the cluster statistics decided.
        private readonly double _estimatedQuality;
        private readonly double _estimatedCostUsd;

        // The runner-up and the blend of an estimated decision (its EstimateDetail), for Explain. Stored as six plain words,
        // not as a nested struct: a cluster-only decision leaves them zero, and the JIT then writes those zeros straight
        // into the caller's return buffer; a nested struct made it zero and copy a stack temporary of the whole decision
        // on every route (docs/benchmarks.md, the cluster-only route regression).
        private readonly double _runnerUpQuality;
        private readonly double _runnerUpCostUsd;
        private readonly double _bestQuality;
        private readonly ulong _estimateChoice;
        private readonly ulong _blendedClusters;
        private readonly ulong _blendedWeights;

        // The cluster-only constructor assigns every field itself (the estimated one chains to it, not the other way round):
        // chained to the estimated constructor, its `in` detail was a zeroed temporary copied into every cluster decision.
        internal RouteDecision(RouterTables tables, int model, int cluster, float similarity, RouteFallbackReason fallback, RoutingOptions options)
        {
            _estimatedQuality = double.NaN;
            _estimatedCostUsd = double.NaN;
            _tables = tables;
            ModelIndex = model;
            ClusterIndex = cluster;
            Similarity = similarity;
            FallbackReason = fallback;
            Options = options;
        }

        internal RouteDecision(RouterTables tables, int model, int cluster, float similarity, RouteFallbackReason fallback, RoutingOptions options, double estimatedQuality, double estimatedCostUsd, in EstimateDetail estimate)
            : this(tables, model, cluster, similarity, fallback, options)
        {
            _estimatedQuality = estimatedQuality;
            _estimatedCostUsd = estimatedCostUsd;
            _runnerUpQuality = estimate.RunnerUpQuality;
            _runnerUpCostUsd = estimate.RunnerUpCostUsd;
            _bestQuality = estimate.BestQuality;
            _estimateChoice = estimate.Choice;
            _blendedClusters = estimate.Clusters;
            _blendedWeights = estimate.Weights;
        }

        /// <summary>Index of the chosen model in the profile's model list.</summary>
        public int ModelIndex { get; }

        /// <summary>Id of the chosen model.</summary>
        public string ModelId => _tables.ModelIds[ModelIndex];

        /// <summary>Index of the nearest cluster, or -1 when the embedding was zero or not finite.</summary>
        public int ClusterIndex { get; }

        /// <summary>Human label of the nearest cluster, or null when there is none.</summary>
        public string? ClusterLabel => ClusterIndex < 0 ? null : _tables.ClusterLabels[ClusterIndex];

        /// <summary>Cosine similarity between the prompt and the nearest centroid.</summary>
        public float Similarity { get; }

        /// <summary>
        /// True when the global statistics chose the model under the request's policy and knob (<see cref="FallbackReason"/>
        /// says why): the prompt was out of distribution (similarity below the profile's minimum, or no usable embedding), or
        /// the per-prompt estimate's margin was below the profile's low-confidence threshold.
        /// </summary>
        public bool IsFallback => FallbackReason != RouteFallbackReason.None;

        /// <summary>Which fallback applied, if any: out of distribution, or a low-confidence estimate.</summary>
        public RouteFallbackReason FallbackReason { get; }

        /// <summary>
        /// For a <see cref="RouteFallbackReason.LowConfidence"/> decision, the estimated quality of the best allowed model
        /// minus that of the runner-up allowed model: the margin that was below <see cref="RouterTables.LowConfidenceMargin"/>.
        /// NaN for every other decision.
        /// </summary>
        public double EstimateMargin => FallbackReason == RouteFallbackReason.LowConfidence ? _bestQuality - _runnerUpQuality : double.NaN;

        /// <summary>The options the decision was made with.</summary>
        public RoutingOptions Options { get; }

        /// <summary>
        /// True when the profile's per-prompt estimator (a learned linear estimator or soft clusters, format version 2) chose
        /// the model; <see cref="ExpectedQuality"/> and <see cref="ExpectedCostUsd"/> are then that estimate for this prompt.
        /// </summary>
        public bool IsEstimated => !double.IsNaN(_estimatedQuality);

        /// <summary>
        /// Expected quality (success rate) of the chosen model: the per-prompt estimate when <see cref="IsEstimated"/>, else
        /// per cluster, or its global rate after a fallback.
        /// </summary>
        public double ExpectedQuality => IsEstimated ? _estimatedQuality : _tables.QualityOf(StatisticsCluster, ModelIndex);

        /// <summary>
        /// Expected cost in USD of one request to the chosen model: the per-prompt estimate when <see cref="IsEstimated"/>,
        /// else per cluster, or its global cost after a fallback.
        /// </summary>
        public double ExpectedCostUsd => IsEstimated ? _estimatedCostUsd : _tables.CostOf(StatisticsCluster, ModelIndex);

        /// <summary>The routing tables of the router that made this decision (names, labels, statistics).</summary>
        public RouterTables Tables => _tables;

        /// <summary>
        /// The cluster whose statistics this decision's expectations, ranking and explanation use: <see cref="ClusterIndex"/>,
        /// or -1 (the models' global statistics) after a fallback, whose nearest cluster was too distant to speak for the prompt.
        /// </summary>
        public int StatisticsCluster => IsFallback ? -1 : ClusterIndex;

        /// <summary>
        /// Decides again for the same prompt with other options (another allowed-models mask, policy or knob), without
        /// embedding it again or repeating the centroid search: the same flow as the router's own Route. Without the embedding
        /// a per-prompt estimator cannot run again, so a rerouted <see cref="IsEstimated"/> decision is decided by the nearest
        /// cluster's statistics, as are the <see cref="CopyRankedModels"/> alternatives. A low-confidence fallback stays one
        /// (its margin does not depend on the policy or knob, and without the embedding it cannot be re-estimated for another
        /// mask): the global statistics decide again under the new options.
        /// </summary>
        /// <exception cref="InvalidOperationException">No model is allowed.</exception>
        public RouteDecision Reroute(in RoutingOptions options) => FallbackReason == RouteFallbackReason.LowConfidence
            ? _tables.Fallback(ClusterIndex, Similarity, options, RouteFallbackReason.LowConfidence, Estimate)
            : _tables.Reroute(ClusterIndex, Similarity, options);

        /// <summary>
        /// Writes the allowed models, best first under this decision's policy and knob, into <paramref name="destination"/>
        /// and returns how many were written. Index 0 is always the chosen model.
        /// Use this to try the next model when the chosen one fails.
        /// </summary>
        public int CopyRankedModels(Span<int> destination) => _tables.RankModels(StatisticsCluster, Options, ModelIndex, destination);

        /// <summary>
        /// Writes the allowed models in the order of <see cref="CopyRankedModels"/> (the chosen model first, then best first
        /// under this decision's policy and knob) with their expected quality, cost and policy score in the decision's
        /// <see cref="StatisticsCluster"/>, and returns how many were written. Allocates nothing.
        /// </summary>
        public int RankAlternatives(Span<RankedModel> destination)
        {
            RouterTables t = _tables;
            int cluster = StatisticsCluster;
            // A profile has at most 64 models (the allowed-models mask is one ulong).
            Span<int> order = stackalloc int[Profiles.ProfileReader.MaxModels];
            int count = Math.Min(CopyRankedModels(order[..t.ModelCount]), destination.Length);
            double best = double.NegativeInfinity;
            foreach (int m in order[..count])
            {
                best = Math.Max(best, t.QualityOf(cluster, m));
            }

            RoutingOptions options = Options;
            for (int i = 0; i < count; i++)
            {
                int m = order[i];
                double q = t.QualityOf(cluster, m), c = t.CostOf(cluster, m);
                bool shortfall = options.Policy == RoutingPolicy.Shortfall;
                double score = shortfall ? q - best : RoutingMath.CostWeightedUtility(q, c, t.CostScale, options.Knob);
                destination[i] = new RankedModel(m, q, c, score, !shortfall || !(options.Knob < best - q));
            }

            return count;
        }

        /// <summary>
        /// Why this model was chosen, one sentence a line: which statistics decided, what the policy compared and, for a
        /// cluster decision with every model allowed, a last line that is exactly the comment the generated router prints
        /// above this cluster's switch arm for the knob's interval. The single source of the "why" text that
        /// <c>routergen route</c> and the sample print; numbers use <see cref="RouteExplanation"/>'s rounding.
        /// </summary>
        public string Explain()
        {
            RouterTables t = _tables;
            RoutingOptions options = Options;
            var lines = new List<string>();
            if (IsFallback)
            {
                if (FallbackReason == RouteFallbackReason.LowConfidence)
                {
                    EstimateDetail e = Estimate;
                    lines.Add(NearestClusterLine());
                    lines.Add(RouteExplanation.LowConfidence(e.LearnedHeads, t.ModelIds[e.Leader], e.BestQuality, t.ModelIds[e.RunnerUp], e.RunnerUpQuality, t.LowConfidenceMargin));
                }
                else
                {
                    lines.Add(ClusterIndex < 0
                        ? "The prompt has no usable embedding, so no cluster can speak for it: the global statistics decide."
                        : $"The best cosine similarity, {RouteExplanation.Similarity(Similarity)}, is below the profile's minimum of {RouteExplanation.Number(t.MinSimilarity)}: the prompt is out of distribution, and no cluster's statistics describe it, so the global (sample-weighted) statistics decide.");
                }

                lines.Add($"Under {RouteExplanation.Describe(options.Policy, options.Knob)} over the {(options.AllowedModels.AllowsAll(t.ModelCount) ? "" : "allowed ")}models' global statistics, the best is {RouteExplanation.Choice(ModelId, ExpectedQuality, ExpectedCostUsd)}.");
                return string.Join("\n", lines);
            }

            int cluster = ClusterIndex;
            lines.Add(NearestClusterLine());
            if (IsEstimated)
            {
                lines.Add(ExplainEstimate(t, cluster, options));
                return string.Join("\n", lines);
            }

            Span<int> ranked = t.ModelCount <= 64 ? stackalloc int[t.ModelCount] : new int[t.ModelCount];
            ranked = ranked[..CopyRankedModels(ranked)];
            double best = double.NegativeInfinity;
            int leader = ModelIndex;
            foreach (int m in ranked)
            {
                if (t.QualityOf(cluster, m) > best)
                {
                    best = t.QualityOf(cluster, m);
                    leader = m;
                }
            }

            double q = ExpectedQuality, c = ExpectedCostUsd;
            if (options.Policy == RoutingPolicy.Shortfall)
            {
                var eligible = new List<string>();
                foreach (int m in ranked)
                {
                    if (!(options.Knob < best - t.QualityOf(cluster, m)))
                    {
                        eligible.Add(t.ModelIds[m]);
                    }
                }

                lines.Add($"Shortfall policy (HyDRA), τ = {RouteExplanation.Number(options.Knob)}: the best allowed expected quality in the cluster is {RouteExplanation.Percent(best)} ({t.ModelIds[leader]}); models within τ of it: {string.Join(", ", eligible)}.");
                lines.Add(eligible.Count == 1
                    ? $"{ModelId} is the only model within τ, at {RouteExplanation.Usd(c)} per request."
                    : best == q
                        ? $"{ModelId} is the cheapest of them at {RouteExplanation.Usd(c)} per request and has the best expected quality itself."
                        : $"{ModelId} is the cheapest of them at {RouteExplanation.Usd(c)} per request, giving up {RouteExplanation.Points(best - q)} of expected quality.");
            }
            else
            {
                double u = RoutingMath.CostWeightedUtility(q, c, t.CostScale, options.Knob);
                lines.Add($"Cost-weighted policy, w = {RouteExplanation.Number(options.Knob)}: utility = (1 − w)·quality − w·cost/{RouteExplanation.Usd(t.CostScale)} (the profile's largest per-request cost). {ModelId} has the highest utility, {RouteExplanation.Utility(u)}.");
                if (ranked.Length > 1)
                {
                    int second = ranked[1];
                    double q2 = t.QualityOf(cluster, second), c2 = t.CostOf(cluster, second);
                    double u2 = RoutingMath.CostWeightedUtility(q2, c2, t.CostScale, options.Knob);
                    lines.Add($"The runner-up, {t.ModelIds[second]}, scores {RouteExplanation.Utility(u2)}: {RouteExplanation.PointsDelta(q2 - q)} quality, {RouteExplanation.UsdDelta(c2 - c)} per request relative to {ModelId}.");
                }
            }

            if (options.AllowedModels.AllowsAll(t.ModelCount))
            {
                KnobBreakpoints breakpoints = t.BreakpointsOf(cluster, options.Policy);
                int switches = breakpoints.UpperBounds.Length;
                lines.Add($"In this cluster the winner changes {switches} time{(switches == 1 ? "" : "s")} across the knob's range; this knob's interval, as the generated router's comment gives it:");
                lines.Add(t.ExplainWinner(cluster, options.Policy, options.Knob));
            }
            else
            {
                lines.Add("Some models are excluded, so the policy was evaluated over the allowed models only.");
            }

            return string.Join("\n", lines);
        }

        private EstimateDetail Estimate => new(_runnerUpQuality, _runnerUpCostUsd, _bestQuality, _estimateChoice, _blendedClusters, _blendedWeights);

        private string NearestClusterLine() =>
            $"The prompt is nearest to cluster #{ClusterIndex} \"{ClusterLabel}\" (similarity {RouteExplanation.Similarity(Similarity)} ≥ {RouteExplanation.Number(_tables.MinSimilarity)}).";

        // The per-prompt decision, in RouteExplanation's words: where the estimate came from (learned heads, or the blended
        // clusters with their weights), the policy's reason over that estimate with the runner-up, the nearest cluster's
        // own view of the chosen model, and whether models were excluded.
        private string ExplainEstimate(RouterTables t, int cluster, in RoutingOptions options)
        {
            EstimateDetail e = Estimate;
            int named = Math.Min(e.BlendedCount, EstimateDetail.ExplainedClusters);
            var blended = new int[named];
            var weights = new double[named];
            for (int i = 0; i < named; i++)
            {
                blended[i] = e.BlendedCluster(i);
                weights[i] = e.BlendedWeight(i);
            }

            string source = RouteExplanation.EstimateSource(e.LearnedHeads, e.BlendedCount, blended, weights, t.ClusterLabels);
            string reason = RouteExplanation.EstimatedChoice(
                options.Policy, options.Knob, t.CostScale, ModelId, ExpectedQuality, ExpectedCostUsd,
                e.RunnerUp < 0 ? null : t.ModelIds[e.RunnerUp], e.RunnerUpQuality, e.RunnerUpCostUsd, e.BestQuality);
            string clusterView = $"The nearest cluster's own statistics give {ModelId} quality {RouteExplanation.Percent(t.QualityOf(cluster, ModelIndex))}, {RouteExplanation.Usd(t.CostOf(cluster, ModelIndex))}; they rank the alternatives (CopyRankedModels) and decide a Reroute.";
            string mask = options.AllowedModels.AllowsAll(t.ModelCount) ? "" : "\nSome models are excluded, so the policy was evaluated over the allowed models only.";
            return $"{source}\n{reason}\n{clusterView}{mask}";
        }

        /// <inheritdoc />
        public override string ToString() =>
            $"{ModelId} (cluster {ClusterIndex}{(ClusterLabel is null ? "" : " \"" + ClusterLabel + "\"")}, similarity {Similarity:0.000}{(FallbackReason == RouteFallbackReason.LowConfidence ? ", low-confidence fallback" : IsFallback ? ", fallback" : "")})";
    }
}
