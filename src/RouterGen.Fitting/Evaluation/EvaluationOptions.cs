using System;
using System.Collections.Generic;

namespace RouterGen.Fitting
{
    /// <summary>How held-out evaluation splits the data, which policies it sweeps, and how it fits each fold.</summary>
    public sealed record EvaluationOptions
    {
        /// <summary>Folds of k-fold cross-validation (ignored when <see cref="EvalSplit"/> is set).</summary>
        public int Folds { get; set; } = 10;

        /// <summary>Repetitions with different shuffles (and k-means seeds); results are averaged over them.</summary>
        public int Seeds { get; set; } = 5;

        /// <summary>Base seed of shuffles, k-means and bootstrap.</summary>
        public ulong Seed { get; set; } = 42;

        /// <summary>
        /// When set (for example "test"), evaluate on the prompts of this split after fitting on <see cref="FitSplit"/>,
        /// instead of cross-validating.
        /// </summary>
        public string? EvalSplit { get; set; }

        /// <summary>Split fitted on when <see cref="EvalSplit"/> is set.</summary>
        public string FitSplit { get; set; } = "train";

        /// <summary>Number of clusters; 0 chooses it per fit by nested cross-validation (see <see cref="ClusterCountSelection"/>).</summary>
        public int Clusters { get; set; }

        /// <summary>Candidate cluster counts for automatic selection (1 = no routing, always the best global model).</summary>
        public IReadOnlyList<int> ClusterCandidates { get; set; } = new[] { 1, 2, 4, 8, 16, 32, 64, 128, 256 };

        /// <summary>Inner folds used to choose the cluster count inside each fit.</summary>
        public int InnerFolds { get; set; } = 3;

        /// <summary>Clustering, prior and naming of each fold's fit.</summary>
        public FitSettings Fit { get; set; } = new FitSettings();

        /// <summary>Cost weights swept for the cost-weighted policy (0 is maximum quality).</summary>
        public IReadOnlyList<double> CostWeights { get; set; } = DefaultCostWeights();

        /// <summary>Shortfall thresholds τ swept for the HyDRA policy.</summary>
        public IReadOnlyList<double> Shortfalls { get; set; } = DefaultShortfalls();

        /// <summary>
        /// Clusters blended by the Avengers-Pro style soft policy (top-n nearest, similarity-weighted) while k and α are
        /// chosen; each fit then chooses its own p from <see cref="SoftClusterCandidates"/>.
        /// </summary>
        public int SoftClusters { get; set; } = 3;

        /// <summary>
        /// Blend sizes p a fit tries for soft clusters, at the (k, α) that soft clusters scored best with at
        /// <see cref="SoftClusters"/>; the highest inner-fold AIQ wins, near-ties keep <see cref="SoftClusters"/>. Fixed in
        /// code before any held-out figure was seen; empty (or <see cref="SoftClusters"/> alone) keeps p fixed.
        /// </summary>
        public IReadOnlyList<int> SoftClusterCandidates { get; set; } = new[] { 2, 3, 5, 8 };

        /// <summary>
        /// True (the default, and what the runtime does): an out-of-distribution prompt is routed by the global statistics
        /// under the point's own policy and knob. False: it goes to the fixed fallback model whatever the knob (the runtime
        /// rule before the knob-honouring fallback), kept to measure what that rule cost: a costly model under every cheap knob.
        /// </summary>
        public bool FallbackHonoursKnob { get; set; } = true;

        /// <summary>
        /// True (the default): the learned estimator's low-confidence fallback threshold is chosen per fit by inner AIQ among
        /// 0 and quantiles of its inner-fold margins (<see cref="ClusterCountSelection.LowConfidenceQuantiles"/>), and held-out
        /// scoring applies the chosen one. False: the threshold is 0 (off), to measure what the fallback changes.
        /// </summary>
        public bool LowConfidenceFallback { get; set; } = true;

        /// <summary>
        /// True (the default): every fit also learns the per-prompt estimator (<see cref="LinearQualityEstimator"/>), its
        /// families are scored, and the fit chooses its estimator kind by inner-fold AIQ (the selected families).
        /// </summary>
        public bool LearnedEstimator { get; set; } = true;

        /// <summary>Settings of the learned estimator.</summary>
        public LinearEstimatorOptions Linear { get; set; } = new LinearEstimatorOptions();

        /// <summary>
        /// Which per-prompt cost every router family applies the knob to (<see cref="CostEstimates"/>): the cluster's mean
        /// (the default, what profiles carry), a learned log-cost head per model, or the prompt's true cost (an upper bound,
        /// for measurement only). Held-out outcomes always count the true cost of the chosen model.
        /// </summary>
        public string CostEstimate { get; set; } = CostEstimates.ClusterMean;

        /// <summary>Bootstrap resamples for the 95% intervals.</summary>
        public int BootstrapSamples { get; set; } = 1000;

        /// <summary>0, then 40 log-spaced weights from 0.001 to 1.</summary>
        public static double[] DefaultCostWeights()
        {
            var weights = new double[41];
            for (int i = 1; i < weights.Length; i++)
            {
                weights[i] = Math.Pow(10, -3 + (3.0 * (i - 1) / 39));
            }

            weights[^1] = 1;
            return weights;
        }

        /// <summary>0 to 0.3 in steps of 0.005, then 0.35 to 1 in steps of 0.05.</summary>
        public static double[] DefaultShortfalls()
        {
            var values = new List<double>();
            for (int i = 0; i <= 60; i++)
            {
                values.Add(i * 0.005);
            }

            for (int i = 7; i <= 20; i++)
            {
                values.Add(i * 0.05);
            }

            return values.ToArray();
        }
    }
}
