using System;
using System.Collections.Generic;
using RouterGen.Routing;

namespace RouterGen.Fitting
{
    /// <summary>Policy families compared by held-out evaluation.</summary>
    public static class PolicyFamilies
    {
        /// <summary>Nearest cluster, cost-weighted utility (knob = cost weight; 0 is the argmax of quality): <see cref="RoutingPolicy.CostWeighted"/>.</summary>
        public const string CostWeighted = RoutingPolicyNames.CostWeighted;

        /// <summary>Nearest cluster, HyDRA shortfall matching (knob = τ): <see cref="RoutingPolicy.Shortfall"/>.</summary>
        public const string Shortfall = RoutingPolicyNames.Shortfall;

        /// <summary>Avengers-Pro style: statistics blended over the top-n nearest clusters by similarity, then cost-weighted (knob = cost weight).</summary>
        public const string SoftClusters = "top-n-clusters";

        /// <summary>The soft-cluster estimate under HyDRA's shortfall rule (knob = τ).</summary>
        public const string SoftClustersShortfall = "top-n-clusters-shortfall";

        /// <summary>The learned per-prompt estimator (<see cref="LinearQualityEstimator"/>, cluster costs), cost-weighted.</summary>
        public const string Linear = "linear";

        /// <summary>The learned per-prompt estimator under the shortfall rule.</summary>
        public const string LinearShortfall = "linear-shortfall";

        /// <summary>Whichever estimator the fit chose by inner-fold AIQ (<see cref="ClusterCountSelection"/>), cost-weighted.</summary>
        public const string Selected = "selected";

        /// <summary>The fit's chosen estimator under the shortfall rule.</summary>
        public const string SelectedShortfall = "selected-shortfall";

        /// <summary>Always the fit prompts' best global model (no routing).</summary>
        public const string GlobalBest = "global-best";

        /// <summary>A uniformly random model per prompt (its expectation, not a draw).</summary>
        public const string Random = "random";

        /// <summary>The estimator behind a routing family, or null for the baselines.</summary>
        public static string? EstimatorOf(string family) => family switch
        {
            CostWeighted or Shortfall => EstimatorKinds.NearestCluster,
            SoftClusters or SoftClustersShortfall => EstimatorKinds.SoftClusters,
            Linear or LinearShortfall => EstimatorKinds.Linear,
            Selected or SelectedShortfall => "selected",
            _ => null,
        };

        /// <summary>True when the family applies HyDRA's shortfall rule (otherwise the cost-weighted utility).</summary>
        public static bool IsShortfall(string family) => family is Shortfall or SoftClustersShortfall or LinearShortfall or SelectedShortfall;

        /// <summary>
        /// Which points are what a fit would ship (the "deployable" router): when the evaluation let every fit choose its
        /// estimator (the <see cref="Selected"/> families are present), that choice's two families, whatever estimator it
        /// is; otherwise the nearest-cluster router of a version 1 profile (<see cref="CostWeighted"/>, <see cref="Shortfall"/>).
        /// </summary>
        public static bool[] Deployable(IReadOnlyList<PolicyPoint> points)
        {
            ArgumentNullException.ThrowIfNull(points);
            bool chosenPerFit = false;
            foreach (PolicyPoint point in points)
            {
                chosenPerFit |= point.Family == Selected;
            }

            var deployable = new bool[points.Count];
            for (int p = 0; p < deployable.Length; p++)
            {
                string family = points[p].Family;
                deployable[p] = chosenPerFit ? family is Selected or SelectedShortfall : family is CostWeighted or Shortfall;
            }

            return deployable;
        }

        /// <summary>The cost-weighted and shortfall families of an estimator kind.</summary>
        public static (string CostWeighted, string Shortfall) Of(string estimator) => estimator switch
        {
            EstimatorKinds.NearestCluster => (CostWeighted, Shortfall),
            EstimatorKinds.SoftClusters => (SoftClusters, SoftClustersShortfall),
            EstimatorKinds.Linear => (Linear, LinearShortfall),
            _ => (Selected, SelectedShortfall),
        };
    }
}
