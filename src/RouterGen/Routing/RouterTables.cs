using System;
using System.Collections.Generic;
using System.ComponentModel;
using RouterGen.Profiles;

namespace RouterGen.Routing
{
    /// <summary>
    /// The data a router decides with, other than its centroids: model ids, per-cluster quality and cost, presets and the
    /// fallback rule. Generated routers build one from literals at type initialisation; <see cref="RouterProfile"/> builds
    /// one from a profile file. The decision flow that reads them is <see cref="RouterKernel"/>'s, once, for both.
    /// </summary>
    public sealed class RouterTables
    {
        private readonly double[] _quality;
        private readonly double[] _costUsd;
        private readonly double[] _globalQuality;
        private readonly double[] _globalCostUsd;
        private readonly string[] _presetNames;
        private readonly RoutingOptions[] _presetOptions;

        // The per-cluster winners over each knob, computed from the statistics on first use (a loaded router at load time,
        // a generated router only when a decision is rerouted or explained: its routing runs its own unrolled switch).
        private KnobBreakpoints[]? _costWeightedBreakpoints;
        private KnobBreakpoints[]? _shortfallBreakpoints;

        /// <summary>
        /// Creates routing tables (generated routers call this at type initialisation; other code gets tables from a router).
        /// Per-cluster arrays are row-major: cluster × model. <paramref name="defaultTopClusters"/> is how many nearest
        /// clusters a request blends when it does not say (a soft-cluster profile's <c>topClusters</c>; 1 otherwise).
        /// <paramref name="lowConfidenceMargin"/> is the profile's <c>fallback.lowConfidenceMargin</c> (0: off).
        /// </summary>
        [EditorBrowsable(EditorBrowsableState.Never)]
        public RouterTables(
            string name,
            string embedderIdentity,
            int dimension,
            string[] modelIds,
            string[] clusterLabels,
            double[] quality,
            double[] costUsd,
            double[] globalQuality,
            double[] globalCostUsd,
            double costScale,
            int fallbackModel,
            double minSimilarity,
            string[] presetNames,
            RoutingOptions[] presetOptions,
            int defaultTopClusters = 1,
            double lowConfidenceMargin = 0)
        {
            ArgumentNullException.ThrowIfNull(modelIds);
            ArgumentNullException.ThrowIfNull(clusterLabels);
            ArgumentNullException.ThrowIfNull(quality);
            ArgumentNullException.ThrowIfNull(costUsd);
            ArgumentNullException.ThrowIfNull(presetNames);
            ArgumentNullException.ThrowIfNull(presetOptions);
            if (modelIds.Length is 0 or > 64)
            {
                throw new ArgumentException("A router has 1 to 64 models.", nameof(modelIds));
            }

            if (quality.Length != clusterLabels.Length * modelIds.Length || costUsd.Length != quality.Length)
            {
                throw new ArgumentException("quality and costUsd must hold one value per cluster and model.", nameof(quality));
            }

            if (presetNames.Length != presetOptions.Length)
            {
                throw new ArgumentException("presetNames and presetOptions must have the same length.", nameof(presetOptions));
            }

            if (defaultTopClusters < 1 || defaultTopClusters > Math.Min(clusterLabels.Length, RoutingOptions.MaxTopClusters))
            {
                throw new ArgumentOutOfRangeException(nameof(defaultTopClusters), defaultTopClusters, "A router blends 1 to min(64, cluster count) nearest clusters by default.");
            }

            if (!(lowConfidenceMargin >= 0 && lowConfidenceMargin <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(lowConfidenceMargin), lowConfidenceMargin, "A low-confidence margin is a quality gap in [0, 1] (0: off).");
            }

            Name = name;
            EmbedderIdentity = embedderIdentity;
            Dimension = dimension;
            ModelIds = modelIds;
            ClusterLabels = clusterLabels;
            _quality = quality;
            _costUsd = costUsd;
            _globalQuality = globalQuality;
            _globalCostUsd = globalCostUsd;
            CostScale = costScale;
            FallbackModel = fallbackModel;
            MinSimilarity = minSimilarity;
            _presetNames = presetNames;
            _presetOptions = presetOptions;
            DefaultTopClusters = defaultTopClusters;
            LowConfidenceMargin = lowConfidenceMargin;
        }

        /// <summary>Router name (the generated class name).</summary>
        public string Name { get; }

        /// <summary>Identity of the embedder the profile was fit with.</summary>
        public string EmbedderIdentity { get; }

        /// <summary>Embedding dimension.</summary>
        public int Dimension { get; }

        /// <summary>Model ids in profile order.</summary>
        public IReadOnlyList<string> ModelIds { get; }

        /// <summary>Cluster labels in profile order.</summary>
        public IReadOnlyList<string> ClusterLabels { get; }

        /// <summary>Number of models.</summary>
        public int ModelCount => ModelIds.Count;

        /// <summary>Number of clusters.</summary>
        public int ClusterCount => ClusterLabels.Count;

        /// <summary>The largest per-request cost in the profile; the cost-weighted policy divides costs by it.</summary>
        public double CostScale { get; }

        /// <summary>
        /// Index of the profile's <c>fallback.model</c>: the model fit found best by global statistics at maximum quality,
        /// kept for reports and v1 compatibility. Routing does not send out-of-distribution prompts to it unconditionally:
        /// they go to the best allowed model by global statistics under the request's policy and knob (at maximum quality,
        /// for a fitted profile, this model).
        /// </summary>
        public int FallbackModel { get; }

        /// <summary>Cosine similarity below which a prompt is out of distribution.</summary>
        public double MinSimilarity { get; }

        /// <summary>
        /// How many nearest clusters' statistics a request blends when its <see cref="RoutingOptions.TopClusters"/> is 0: a
        /// <c>soft-clusters</c> profile's <c>topClusters</c>, else 1 (the nearest cluster alone).
        /// </summary>
        public int DefaultTopClusters { get; }

        /// <summary>
        /// The profile's <c>fallback.lowConfidenceMargin</c>: a per-prompt estimate whose best allowed model leads the
        /// runner-up allowed model by less than this estimated quality is not trusted, and the global statistics decide
        /// under the request's policy, knob and mask (<see cref="RouteFallbackReason.LowConfidence"/>). 0 turns the test off
        /// (always, for a profile without a per-prompt estimator).
        /// </summary>
        public double LowConfidenceMargin { get; }

        /// <summary>Preset names in profile order.</summary>
        public IReadOnlyList<string> PresetNames => _presetNames;

        /// <summary>
        /// How many nearest clusters <paramref name="options"/> blend with this router: its <see cref="RoutingOptions.TopClusters"/>,
        /// or <see cref="DefaultTopClusters"/> when that is 0.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">The options ask for more clusters than the router has.</exception>
        public int TopClustersOf(in RoutingOptions options)
        {
            int top = options.TopClusters == 0 ? DefaultTopClusters : options.TopClusters;
            return top <= ClusterCount ? top : throw TooManyTopClusters(nameof(options), top);
        }

        private ArgumentOutOfRangeException TooManyTopClusters(string paramName, int top) =>
            new(paramName, top, $"Router '{Name}' has {ClusterCount} clusters: a request cannot blend the {top} nearest (top clusters must be 1 to {ClusterCount}).");

        /// <summary>Index of a model id, or -1.</summary>
        public int IndexOfModel(string modelId) => Array.IndexOf((string[])ModelIds, modelId);

        /// <summary>Looks up a preset by name (ordinal).</summary>
        public bool TryGetPreset(string name, out RoutingOptions options)
        {
            int i = Array.IndexOf(_presetNames, name);
            options = i < 0 ? default : _presetOptions[i];
            return i >= 0;
        }

        /// <summary>Expected quality of a model in a cluster; cluster -1 gives its global (sample-weighted) rate.</summary>
        public double QualityOf(int cluster, int model) => cluster < 0 ? _globalQuality[model] : _quality[(cluster * ModelCount) + model];

        /// <summary>Expected cost in USD of a model in a cluster; cluster -1 gives its global mean cost.</summary>
        public double CostOf(int cluster, int model) => cluster < 0 ? _globalCostUsd[model] : _costUsd[(cluster * ModelCount) + model];

        /// <summary>Every model's expected quality in <paramref name="cluster"/> (profile order), without a copy.</summary>
        internal ReadOnlySpan<double> QualitiesOf(int cluster) => _quality.AsSpan(cluster * ModelCount, ModelCount);

        /// <summary>Every model's expected cost in <paramref name="cluster"/> (profile order), without a copy.</summary>
        internal ReadOnlySpan<double> CostsOf(int cluster) => _costUsd.AsSpan(cluster * ModelCount, ModelCount);

        /// <summary>
        /// Where the winner of <paramref name="cluster"/> changes as the knob of <paramref name="policy"/> moves, every model
        /// allowed: the breakpoints a generated router's switch encodes and a loaded router walks.
        /// </summary>
        public KnobBreakpoints BreakpointsOf(int cluster, RoutingPolicy policy)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(cluster);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(cluster, ClusterCount);
            return AllBreakpoints(policy)[cluster];
        }

        internal KnobBreakpoints[] AllBreakpoints(RoutingPolicy policy)
        {
            // Two threads may both compute on first use; they compute the same arrays, and either reference is fine.
            return policy == RoutingPolicy.Shortfall
                ? _shortfallBreakpoints ??= ComputeBreakpoints(RoutingPolicy.Shortfall)
                : _costWeightedBreakpoints ??= ComputeBreakpoints(RoutingPolicy.CostWeighted);
        }

        private KnobBreakpoints[] ComputeBreakpoints(RoutingPolicy policy)
        {
            var result = new KnobBreakpoints[ClusterCount];
            for (int c = 0; c < result.Length; c++)
            {
                result[c] = policy == RoutingPolicy.Shortfall
                    ? RoutingMath.ShortfallBreakpoints(_quality, _costUsd, c * ModelCount, ModelCount)
                    : RoutingMath.CostWeightedBreakpoints(_quality, _costUsd, c * ModelCount, ModelCount, CostScale);
            }

            return result;
        }

        /// <summary>
        /// Why <paramref name="cluster"/>'s winner at <paramref name="knob"/> wins there (every model allowed): the knob
        /// interval, the model with its quality and cost, and the reason, exactly as the generated router's comment above the
        /// cluster's switch arm gives it (ids there are escaped for a comment and cut to 80 characters).
        /// </summary>
        public string ExplainWinner(int cluster, RoutingPolicy policy, double knob)
        {
            KnobBreakpoints breakpoints = BreakpointsOf(cluster, policy);
            return RouteExplanation.Arm(_quality, _costUsd, cluster * ModelCount, ModelCount, ModelIds, breakpoints, breakpoints.IntervalAt(knob), policy);
        }

        /// <summary>The decision flow again from a nearest-centroid result, with other options (no re-embedding).</summary>
        internal RouteDecision Reroute(int cluster, float similarity, in RoutingOptions options) =>
            RouterKernel.Decide(new TablesKernel(this, AlignedCentroids.Empty), cluster, similarity, options);

        /// <summary>
        /// Chooses within <paramref name="cluster"/> by evaluating the policy directly, honouring the allowed-models mask.
        /// </summary>
        /// <exception cref="InvalidOperationException">No model is allowed.</exception>
        internal RouteDecision ChooseInCluster(int cluster, float similarity, in RoutingOptions options)
        {
            int model = Choose(cluster, options);
            return new RouteDecision(this, model, cluster, similarity, RouteFallbackReason.None, options);
        }

        /// <summary>
        /// Chooses by a per-prompt estimate (a learned estimator, or the request's blend of its nearest clusters) under the
        /// request's policy, knob and allowed-models mask; the decision reports the estimate of the chosen model as its
        /// expectation and keeps the runner-up and the blend for its explanation.
        /// </summary>
        /// <exception cref="InvalidOperationException">No model is allowed.</exception>
        internal RouteDecision ChooseEstimated(
            int cluster, float similarity, ReadOnlySpan<double> quality, ReadOnlySpan<double> costUsd, in RoutingOptions options,
            bool learnedHeads, ReadOnlySpan<int> blended, ReadOnlySpan<double> weights)
        {
            ulong allowed = options.AllowedModels.AllowedBits(ModelCount);
            // The margin ignores the policy and knob, so one fitted number serves every request.
            if (LowConfidenceMargin > 0 && QualityEstimation.TopModelMargin(quality[..ModelCount], allowed, out int leader, out int second) < LowConfidenceMargin)
            {
                var margin = new EstimateDetail(learnedHeads, second, quality[second], costUsd[second], quality[leader], blended, weights, leader);
                return Fallback(cluster, similarity, options, RouteFallbackReason.LowConfidence, margin);
            }

            int model = ChooseOver(quality, costUsd, options, allowed);
            if (model < 0)
            {
                throw NoModelAllowed();
            }

            // The runner-up is the policy's choice without the winner: what the explanation compares the choice with.
            ulong others = allowed & ~(1UL << model);
            int runnerUp = others == 0 ? -1 : ChooseOver(quality, costUsd, options, others);
            double best = double.NegativeInfinity;
            for (int m = 0; m < ModelCount; m++)
            {
                best = (allowed & (1UL << m)) != 0 ? Math.Max(best, quality[m]) : best;
            }

            var detail = new EstimateDetail(
                learnedHeads, runnerUp, runnerUp < 0 ? double.NaN : quality[runnerUp], runnerUp < 0 ? double.NaN : costUsd[runnerUp], best, blended, weights);
            return new RouteDecision(this, model, cluster, similarity, RouteFallbackReason.None, options, quality[model], costUsd[model], detail);
        }

        private int ChooseOver(ReadOnlySpan<double> quality, ReadOnlySpan<double> costUsd, in RoutingOptions options, ulong allowed) =>
            options.Policy == RoutingPolicy.Shortfall
                ? RoutingMath.ChooseShortfall(quality, costUsd, 0, ModelCount, options.Knob, allowed)
                : RoutingMath.ChooseCostWeighted(quality, costUsd, 0, ModelCount, CostScale, options.Knob, allowed);

        private InvalidOperationException NoModelAllowed() =>
            new InvalidOperationException($"Router '{Name}': the request allows none of its {ModelCount} models.");

        /// <summary>
        /// The out-of-distribution decision: the best allowed model by the global (sample-weighted) statistics under the
        /// request's own policy and knob, so a prompt no cluster speaks for still follows the caller's cost/quality trade-off
        /// (a fixed model would ignore the knob: the cheap end of the curve paid for the max-quality model on every distant
        /// prompt). At maximum quality this is the global best model, which is what fit writes as <see cref="FallbackModel"/>.
        /// </summary>
        /// <exception cref="InvalidOperationException">No model is allowed.</exception>
        internal RouteDecision Fallback(int cluster, float similarity, in RoutingOptions options) =>
            new(this, Choose(-1, options), cluster, similarity, RouteFallbackReason.OutOfDistribution, options);

        /// <summary>
        /// A fallback decision for <paramref name="reason"/>: the global statistics under the request's policy, knob and
        /// mask; a low-confidence one keeps the estimate's two best models in <paramref name="margin"/> for its explanation.
        /// </summary>
        internal RouteDecision Fallback(int cluster, float similarity, in RoutingOptions options, RouteFallbackReason reason, in EstimateDetail margin) =>
            new(this, Choose(-1, options), cluster, similarity, reason, options, double.NaN, double.NaN, margin);

        internal int RankModels(int cluster, in RoutingOptions options, int chosen, Span<int> destination)
        {
            int count = 0;
            ulong allowed = options.AllowedModels.AllowedBits(ModelCount);
            for (int m = 0; m < ModelCount && count < destination.Length; m++)
            {
                if ((allowed & (1UL << m)) != 0)
                {
                    destination[count++] = m;
                }
            }

            Span<int> ranked = destination[..count];
            double best = double.NegativeInfinity;
            foreach (int m in ranked)
            {
                best = Math.Max(best, QualityOf(cluster, m));
            }

            // Insertion sort: at most 64 models, no allocation, stable for equal keys.
            for (int i = 1; i < ranked.Length; i++)
            {
                int m = ranked[i];
                int j = i - 1;
                while (j >= 0 && Precedes(cluster, options, best, m, ranked[j]))
                {
                    ranked[j + 1] = ranked[j];
                    j--;
                }

                ranked[j + 1] = m;
            }

            int at = ranked.IndexOf(chosen);
            if (at > 0)
            {
                ranked[..at].CopyTo(ranked[1..(at + 1)]);
                ranked[0] = chosen;
            }

            return count;
        }

        private bool Precedes(int cluster, in RoutingOptions options, double best, int a, int b)
        {
            double qa = QualityOf(cluster, a), qb = QualityOf(cluster, b);
            double ca = CostOf(cluster, a), cb = CostOf(cluster, b);
            if (options.Policy == RoutingPolicy.Shortfall)
            {
                bool ea = !(options.Knob < best - qa), eb = !(options.Knob < best - qb);
                if (ea != eb)
                {
                    return ea;
                }

                return ea ? ca < cb || (ca == cb && qa > qb) : qa > qb || (qa == qb && ca < cb);
            }

            double ua = RoutingMath.CostWeightedUtility(qa, ca, CostScale, options.Knob);
            double ub = RoutingMath.CostWeightedUtility(qb, cb, CostScale, options.Knob);
            return ua > ub || (ua == ub && (ca < cb || (ca == cb && qa > qb)));
        }

        private int Choose(int cluster, in RoutingOptions options)
        {
            ulong allowed = options.AllowedModels.AllowedBits(ModelCount);
            double[] quality = cluster < 0 ? _globalQuality : _quality;
            double[] cost = cluster < 0 ? _globalCostUsd : _costUsd;
            int start = cluster < 0 ? 0 : cluster * ModelCount;
            int model = options.Policy == RoutingPolicy.Shortfall
                ? RoutingMath.ChooseShortfall(quality, cost, start, ModelCount, options.Knob, allowed)
                : RoutingMath.ChooseCostWeighted(quality, cost, start, ModelCount, CostScale, options.Knob, allowed);
            if (model < 0)
            {
                throw NoModelAllowed();
            }

            return model;
        }

        /// <summary>Builds tables from a validated profile.</summary>
        public static RouterTables FromProfile(ProfileDefinition profile)
        {
            ArgumentNullException.ThrowIfNull(profile);
            int models = profile.Models.Count;
            int clusters = profile.Clusters.Count;
            var quality = new double[clusters * models];
            var cost = new double[clusters * models];
            var labels = new string[clusters];
            for (int c = 0; c < clusters; c++)
            {
                labels[c] = profile.Clusters[c].Label;
                Array.Copy(profile.Clusters[c].Quality, 0, quality, c * models, models);
                Array.Copy(profile.Clusters[c].CostUsd, 0, cost, c * models, models);
            }

            var presetNames = new string[profile.Presets.Count];
            var presetOptions = new RoutingOptions[profile.Presets.Count];
            for (int p = 0; p < presetNames.Length; p++)
            {
                presetNames[p] = profile.Presets[p].Name;
                presetOptions[p] = new RoutingOptions(profile.Presets[p].Policy, profile.Presets[p].Value);
            }

            var ids = new string[models];
            var globalCost = new double[models];
            for (int m = 0; m < models; m++)
            {
                ids[m] = profile.Models[m].Id;
                globalCost[m] = profile.Models[m].CostPerRequestUsd;
            }

            return new RouterTables(
                profile.Name,
                profile.Embedder.Identity,
                profile.Embedder.Dimension,
                ids,
                labels,
                quality,
                cost,
                ProfileStatistics.GlobalQuality(profile),
                globalCost,
                ProfileStatistics.CostScale(profile),
                profile.IndexOfModel(profile.Fallback.Model),
                profile.Fallback.MinSimilarity,
                presetNames,
                presetOptions,
                profile.Estimator is { Kind: EstimatorDefinition.SoftClustersKind } soft ? soft.TopClusters : 1,
                profile.Estimator == null ? 0 : profile.Fallback.LowConfidenceMargin);
        }
    }
}
