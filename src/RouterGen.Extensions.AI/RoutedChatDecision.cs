using System;
using System.Collections.Generic;
using RouterGen.Routing;

namespace RouterGen.Extensions.AI
{
    /// <summary>
    /// How <see cref="RouterGenChatClient"/> served one request: the model that answered, the cluster that decided it, and
    /// what the profile expects of that model there. Attached to every routed response
    /// (see <see cref="ChatRoutingExtensions.GetRouteDecision(Microsoft.Extensions.AI.ChatResponse)"/>).
    /// </summary>
    public sealed class RoutedChatDecision
    {
        internal RoutedChatDecision(
            RouteDecision decision,
            int servedModel,
            string? preset,
            IReadOnlyList<string> attemptedModels,
            int fallbackCount,
            bool isSticky,
            int cascadeSteps,
            bool? cascadeAccepted)
        {
            RouterTables tables = decision.Tables;
            int statisticsCluster = decision.StatisticsCluster;
            RoutedModelId = decision.ModelId;
            ModelIndex = servedModel;
            ModelId = tables.ModelIds[servedModel];
            ClusterIndex = decision.ClusterIndex;
            ClusterLabel = decision.ClusterLabel;
            Similarity = decision.Similarity;
            IsOutOfDistribution = decision.FallbackReason == RouteFallbackReason.OutOfDistribution;
            IsLowConfidence = decision.FallbackReason == RouteFallbackReason.LowConfidence;
            // The routed model keeps the decision's own expectation (a per-prompt estimate or a soft-cluster blend); a model
            // that answered after a fallback has only its cluster's statistics.
            bool routed = servedModel == decision.ModelIndex;
            ExpectedQuality = routed ? decision.ExpectedQuality : tables.QualityOf(statisticsCluster, servedModel);
            ExpectedCostUsd = routed ? decision.ExpectedCostUsd : tables.CostOf(statisticsCluster, servedModel);
            Options = decision.Options;
            Preset = preset;
            AttemptedModels = attemptedModels;
            FallbackCount = fallbackCount;
            IsSticky = isSticky;
            CascadeSteps = cascadeSteps;
            CascadeAccepted = cascadeAccepted;
        }

        /// <summary>Id of the model that produced the response (after any fallback or cascade step).</summary>
        public string ModelId { get; }

        /// <summary>Index of <see cref="ModelId"/> in the router's model list.</summary>
        public int ModelIndex { get; }

        /// <summary>The model the router chose first; differs from <see cref="ModelId"/> after a fallback or an escalation.</summary>
        public string RoutedModelId { get; }

        /// <summary>Index of the nearest cluster, or -1 when the prompt had no usable embedding.</summary>
        public int ClusterIndex { get; }

        /// <summary>Label of the nearest cluster, or null.</summary>
        public string? ClusterLabel { get; }

        /// <summary>Cosine similarity between the routed text and the nearest centroid.</summary>
        public float Similarity { get; }

        /// <summary>True when the prompt was far from every centroid and the profile's fallback rule chose the model.</summary>
        public bool IsOutOfDistribution { get; }

        /// <summary>
        /// True when the profile's per-prompt estimate put the best allowed model less than its low-confidence margin ahead
        /// of the runner-up, so the global statistics chose the model under the request's policy and knob (as for an
        /// out-of-distribution prompt).
        /// </summary>
        public bool IsLowConfidence { get; }

        /// <summary>
        /// Expected quality of <see cref="ModelId"/>: the decision's expectation when it is the routed model (per prompt for an
        /// estimator or blended top clusters), else in the decision's cluster (global rate when out of distribution).
        /// </summary>
        public double ExpectedQuality { get; }

        /// <summary>Expected cost in USD of one request to <see cref="ModelId"/>, as for <see cref="ExpectedQuality"/>.</summary>
        public double ExpectedCostUsd { get; }

        /// <summary>Policy, knob and allowed models the request was routed with.</summary>
        public RoutingOptions Options { get; }

        /// <summary>The preset the options came from, or null when a knob or the defaults were used.</summary>
        public string? Preset { get; }

        /// <summary>Every model called for this request, in order; the last one produced the response.</summary>
        public IReadOnlyList<string> AttemptedModels { get; }

        /// <summary>Number of model calls that failed (threw) before <see cref="ModelId"/> answered.</summary>
        public int FallbackCount { get; }

        /// <summary>True when the model came from the conversation's earlier routing rather than from this request's text.</summary>
        public bool IsSticky { get; }

        /// <summary>Number of cascade steps taken (0 when no cascade ran).</summary>
        public int CascadeSteps { get; }

        /// <summary>Whether the cascade's check accepted the returned response; null when no cascade ran.</summary>
        public bool? CascadeAccepted { get; }

        /// <inheritdoc />
        public override string ToString() =>
            FormattableString.Invariant($"{ModelId} (cluster {ClusterIndex} \"{ClusterLabel}\", similarity {Similarity:0.000}, expected quality {ExpectedQuality:0.000}, expected cost ${ExpectedCostUsd:0.######})");
    }
}
