namespace RouterGen.Fitting
{
    /// <summary>One candidate (estimator, cluster count, prior strength) and its cross-validated routing figures.</summary>
    /// <param name="Estimator">One of <see cref="EstimatorKinds"/>.</param>
    /// <param name="K">Cluster count (for the learned estimator: the clusters that give its costs and the out-of-distribution test).</param>
    /// <param name="PriorStrength">Beta prior strength α, or null for k = 1 (one cluster is the global rate whatever α).</param>
    /// <param name="Aiq">Held-out AIQ of the estimator's cost-weighted and shortfall sweeps on the fit prompts' single-model cost range.</param>
    /// <param name="MaxQuality">Held-out mean score at cost weight 0 (the secondary figure).</param>
    /// <param name="LowConfidenceMargin">The low-confidence fallback threshold it was scored with (0: off; only the learned estimator tries others).</param>
    public sealed record ClusterCountCandidate(string Estimator, int K, double? PriorStrength, double Aiq, double MaxQuality, double LowConfidenceMargin = 0)
    {
        /// <summary>For soft clusters: the number of nearest clusters blended (p); 0 for the other estimators.</summary>
        public int TopClusters { get; init; }
    }
}
