using System.Collections.Generic;

namespace RouterGen.Fitting
{
    /// <summary>The chosen cluster count and prior strength, and the evidence.</summary>
    /// <param name="K">The nearest-cluster router's chosen count (what a v1 profile is built with).</param>
    /// <param name="PriorStrength">Its chosen α; null when it is left to the leave-one-out rule (k = 1) or was given.</param>
    /// <param name="Candidates">Every candidate that was tried.</param>
    public sealed record ClusterCountChoice(int K, double? PriorStrength, IReadOnlyList<ClusterCountCandidate> Candidates)
    {
        /// <summary>The estimator kind with the highest inner AIQ (ties to the nearest cluster, then soft clusters).</summary>
        public string Estimator { get; init; } = EstimatorKinds.NearestCluster;

        /// <summary>The best candidate of every estimator kind tried.</summary>
        public IReadOnlyDictionary<string, ClusterCountCandidate> BestPerEstimator { get; init; } = new Dictionary<string, ClusterCountCandidate>();

        /// <summary>
        /// The low-confidence thresholds the learned estimator was scored with (0 first); its best candidate's
        /// <see cref="ClusterCountCandidate.LowConfidenceMargin"/> is the one chosen.
        /// </summary>
        public IReadOnlyList<double> LowConfidenceCandidates { get; init; } = new double[] { 0 };

        /// <summary>The low-confidence threshold chosen for the learned estimator by inner AIQ (0: off, or no learned estimator).</summary>
        public double LowConfidenceMargin => BestPerEstimator.TryGetValue(EstimatorKinds.Linear, out ClusterCountCandidate? linear) ? linear.LowConfidenceMargin : 0;

        /// <summary>The learned estimator fit on every fit prompt (strengths and calibration from the inner folds), or null.</summary>
        public LinearQualityEstimator? Linear { get; init; }

        /// <summary>The learned cost heads fit on every fit prompt, when the evaluation asked for them (<see cref="EvaluationOptions.CostEstimate"/>), or null.</summary>
        public LinearCostEstimator? Cost { get; init; }
    }
}
