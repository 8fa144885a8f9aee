using System;

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

        internal RouteDecision(RouterTables tables, int model, int cluster, float similarity, bool isFallback, RoutingOptions options)
            : this(tables, model, cluster, similarity, isFallback, options, double.NaN, double.NaN)
        {
        }

        internal RouteDecision(RouterTables tables, int model, int cluster, float similarity, bool isFallback, RoutingOptions options, double estimatedQuality, double estimatedCostUsd)
        {
            _estimatedQuality = estimatedQuality;
            _estimatedCostUsd = estimatedCostUsd;
            _tables = tables;
            ModelIndex = model;
            ClusterIndex = cluster;
            Similarity = similarity;
            IsFallback = isFallback;
            Options = options;
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
        /// True when the prompt was out of distribution (similarity below the profile's minimum, or no usable embedding) and
        /// the fallback rule chose the model.
        /// </summary>
        public bool IsFallback { get; }

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
        /// cluster's statistics, as are the <see cref="CopyRankedModels"/> alternatives.
        /// </summary>
        /// <exception cref="InvalidOperationException">No model is allowed.</exception>
        public RouteDecision Reroute(in RoutingOptions options) => _tables.Reroute(ClusterIndex, Similarity, options);

        /// <summary>
        /// Writes the allowed models, best first under this decision's policy and knob, into <paramref name="destination"/>
        /// and returns how many were written. Index 0 is always the chosen model.
        /// Use this to try the next model when the chosen one fails.
        /// </summary>
        public int CopyRankedModels(Span<int> destination) => _tables.RankModels(StatisticsCluster, Options, ModelIndex, destination);

        /// <inheritdoc />
        public override string ToString() =>
            $"{ModelId} (cluster {ClusterIndex}{(ClusterLabel is null ? "" : " \"" + ClusterLabel + "\"")}, similarity {Similarity:0.000}{(IsFallback ? ", fallback" : "")})";
    }
}
